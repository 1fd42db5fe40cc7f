import FleetCore
import Foundation
import HTTPTypes
import Hummingbird

/// `/v2/`: the read side of the OCI Distribution API, so OCI clients (skopeo, ORAS, crane) pull committed
/// model versions as artifacts (`OCIArtifact`).
///
/// Repositories are model names; tags are versions (`1.2.0` is the `fp32` variant, or the only or first
/// variant if there is no `fp32`; `1.2.0_int8` names a variant); manifests are also found by digest. Reading
/// needs what reading chunks needs: an admin token with `read` or a device token, sent as a bearer token, or
/// exchanged at `/v2/token` with HTTP Basic (any user name, the token as password), the distribution spec's
/// token flow that `skopeo --creds` and `docker login` follow. Outside `docs/openapi.yaml`: its contract is
/// the OCI distribution spec, and errors are the spec's `{"errors": [{"code", "message"}]}`.
struct OCIRoutes: Sendable {
    let store: any MetadataStore
    let blobs: OCIBlobCache

    static let tokenPath = "/v2/token"

    static func serves(_ path: String) -> Bool { path == "/v2" || path.hasPrefix("/v2/") }

    /// `WWW-Authenticate` for a refused OCI request: the token endpoint on the host the client asked.
    static func challenge(for request: Request, tls: Bool) -> String {
        let forwarded = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased()
        let scheme = forwarded == "https" || (forwarded == nil && tls) ? "https" : "http"
        let host = request.head.authority ?? "localhost"
        return #"Bearer realm="\#(scheme)://\#(host)\#(tokenPath)",service="modelfleet-registry""#
    }

    /// The spec's error body, `{"errors": [{"code": "NAME_UNKNOWN", "message": …}]}`: the spec's own code when
    /// the route chose one, else the one the status stands for.
    static func errorBody(status: HTTPResponse.Status, code: String, message: String) -> [UInt8] {
        let byStatus: String =
            switch status.code {
            case 401: "UNAUTHORIZED"
            case 403: "DENIED"
            case 404: "NAME_UNKNOWN"
            case 429: "TOOMANYREQUESTS"
            case 400, 405, 413: "UNSUPPORTED"
            default: "UNKNOWN"
            }
        let specCode = code.allSatisfy({ $0.isUppercase || $0 == "_" }) ? code : byStatus
        struct Body: Encodable {
            struct Entry: Encodable {
                var code: String
                var message: String
            }
            var errors: [Entry]
        }
        return (try? StableJSON.encodeBytes(Body(errors: [.init(code: specCode, message: message)]))) ?? Array(#"{"errors":[]}"#.utf8)
    }

    func register(on router: Router<RegistryContext>) {
        router.get("/v2/") { _, context in
            try context.requireArtifactReader()
            return Response(status: .ok, headers: Self.jsonHeaders, body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        router.get(RouterPath(Self.tokenPath)) { request, _ in try await exchangeToken(request) }
        router.get("/v2/:name/tags/list") { _, context in
            try context.requireArtifactReader()
            let name = try context.pathParameter("name")
            let tags = try await artifacts(of: name).keys.sorted()
            return Response(
                status: .ok, headers: Self.jsonHeaders,
                body: .init(byteBuffer: ByteBuffer(bytes: try StableJSON.encodeBytes(TagList(name: name, tags: tags)))))
        }
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/v2/:name/manifests/:reference", method: method) { _, context in
                try context.requireArtifactReader()
                let artifact = try await artifact(named: try context.pathParameter("name"), reference: try context.pathParameter("reference"))
                return Self.content(artifact.manifestBytes, type: OCIArtifact.manifestMediaType, head: method == .head)
            }
            router.on("/v2/:name/blobs/:digest", method: method) { _, context in
                try context.requireArtifactReader()
                return try await blob(name: try context.pathParameter("name"), digest: try context.pathParameter("digest"), head: method == .head)
            }
        }
    }

    /// Every tag of `name` and the artifact it names; 404 `NAME_UNKNOWN` for no such model.
    private func artifacts(of name: String) async throws -> [String: OCIArtifact] {
        try PublishingService.checkName(name, what: "repository name")
        let versions = try await store.versions(of: name)
        guard !versions.isEmpty else { throw Self.error(.notFound, "NAME_UNKNOWN", "no model named '\(name)'") }
        var tags: [String: OCIArtifact] = [:]
        for (version, variants) in Dictionary(grouping: versions, by: \.version) {
            let sorted = variants.sorted { $0.variant < $1.variant }
            for record in sorted { tags["\(version)_\(record.variant)"] = try OCIArtifact(record) }
            if let plain = sorted.first(where: { $0.variant == "fp32" }) ?? sorted.first { tags[version.description] = try OCIArtifact(plain) }
        }
        return tags
    }

    private func artifact(named name: String, reference: String) async throws -> OCIArtifact {
        let all = try await artifacts(of: name)
        if reference.hasPrefix(Digest.prefix) {
            let digest = try Digest(parsing: reference)
            if let match = all.values.first(where: { $0.manifestDigest == digest }) { return match }
        } else if let match = all[reference] {
            return match
        }
        throw Self.error(.notFound, "MANIFEST_UNKNOWN", "\(name) has no manifest '\(reference)'")
    }

    /// The config blob, or a model file assembled from its chunks (`OCIBlobCache`).
    private func blob(name: String, digest text: String, head: Bool) async throws -> Response {
        guard let digest = try? Digest(parsing: text) else {
            throw Self.error(.badRequest, "DIGEST_INVALID", "'\(text)' is not a sha256 digest")
        }
        let all = try await artifacts(of: name).values
        if let artifact = all.first(where: { $0.configDigest == digest }) {
            return Self.content(artifact.config, type: OCIArtifact.configMediaType, head: head)
        }
        guard let file = all.lazy.compactMap({ $0.file(digest) }).first else {
            throw Self.error(.notFound, "BLOB_UNKNOWN", "\(name) has no blob \(digest)")
        }
        var headers = Self.headers(type: "application/octet-stream", digest: digest)
        headers[.contentLength] = "\(file.size)"
        if head { return Response(status: .ok, headers: headers) }
        let reader = try BlobFileReader(path: try await blobs.path(of: file))
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(contentLength: Int(file.size)) { writer in
                while let piece = try reader.next() { try await writer.write(piece) }
                try await writer.finish(nil)
            })
    }

    /// `GET /v2/token`: a client's HTTP Basic password, if it is a token that may read artifacts, back as the
    /// bearer token the spec's clients then send. No password: 401, counted by the failed-authentication limit.
    private func exchangeToken(_ request: Request) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingWhitespace).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        else {
            throw RegistryError.unauthorized("send a ModelFleet token as the HTTP Basic password (any user name), e.g. skopeo --creds any:TOKEN")
        }
        let token = String(decoded[decoded.index(after: colon)...])
        let record = try await TokenRefusal.lookUp(token, now: .now(), store: store).get()
        guard record.kind == .device || record.scopes.contains(.read) || record.scopes.contains(.admin) else {
            throw Self.error(.forbidden, "DENIED", "this token lacks the 'read' scope")
        }
        return Response(
            status: .ok, headers: Self.jsonHeaders,
            body: .init(byteBuffer: ByteBuffer(bytes: try StableJSON.encodeBytes(IssuedToken(token: token, accessToken: token)))))
    }

    private static func content(_ bytes: [UInt8], type: String, head: Bool) -> Response {
        var headers = headers(type: type, digest: Digest.of(bytes))
        headers[.contentLength] = "\(bytes.count)"
        return Response(status: .ok, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private static func headers(type: String, digest: Digest) -> HTTPFields {
        var headers = jsonHeaders
        headers[.contentType] = type
        headers[HTTPField.Name("Docker-Content-Digest")!] = digest.description
        headers[.eTag] = "\"\(digest)\""
        return headers
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json", HTTPField.Name("Docker-Distribution-API-Version")!: "registry/2.0"]

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> RegistryError {
        RegistryError(status: status, code: code, message: message)
    }

    struct TagList: Encodable {
        var name: String
        var tags: [String]
    }

    struct IssuedToken: Encodable {
        var token: String
        var accessToken: String
        enum CodingKeys: String, CodingKey {
            case token
            case accessToken = "access_token"
        }
    }
}
