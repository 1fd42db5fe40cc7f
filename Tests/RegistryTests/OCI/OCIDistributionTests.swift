import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// The OCI Distribution API's read side over real HTTP: the token flow, manifests by tag and digest, and
/// model files assembled from chunks, verified and cached.
@Suite struct OCIDistributionTests {
    let registry: RegistryHarness
    let v1: Manifest
    static let v1File = TestPublisher.corpus("models/digits-mlp/v1.onnx")

    /// digits-mlp 1.0.0 in two variants (`fp32` and `small`, another file) and 2.0.0.
    init() async throws {
        registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp")
        v1 = try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: Self.v1File, to: registry.admin).manifest
        try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", variant: "small", file: TestPublisher.corpus("models/digits-mlp/v3.onnx"), to: registry.admin)
        try await publisher.publishDigits(major: 2, to: registry.admin)
    }

    func get(_ path: String, token: String? = nil, method: String = "GET", headers: [(name: String, value: String)] = []) async throws -> HTTPResponse {
        try await registry.raw(method, path, token: token ?? registry.adminToken, headers: headers)
    }

    static func ociError(_ response: HTTPResponse) -> String? {
        struct Body: Decodable {
            struct Entry: Decodable { var code: String }
            var errors: [Entry]
        }
        return (try? JSONDecoder().decode(Body.self, from: Data(response.body)))?.errors.first?.code
    }

    @Test func clientsTradeBasicCredentialsForABearerToken() async throws {
        let anonymous = try await registry.raw("GET", "/v2/", token: nil)
        #expect(anonymous.status == 401)
        #expect(Self.ociError(anonymous) == "UNAUTHORIZED")
        let port = registry.baseURL.split(separator: ":").last.map(String.init) ?? ""
        #expect(anonymous[header: "www-authenticate"] == #"Bearer realm="http://127.0.0.1:\#(port)/v2/token",service="modelfleet-registry""#)

        func basic(_ password: String) -> [(name: String, value: String)] {
            [("Authorization", "Basic " + Data("skopeo:\(password)".utf8).base64EncodedString())]
        }
        let issued = try await registry.raw(
            "GET", "/v2/token?service=modelfleet-registry&scope=repository:digits-mlp:pull", token: nil, headers: basic(registry.adminToken))
        #expect(issued.status == 200)
        let token = try #require(try JSONSerialization.jsonObject(with: Data(issued.body)) as? [String: Any])["token"] as? String
        let root = try await registry.raw("GET", "/v2/", token: token)
        #expect(root.status == 200 && root[header: "docker-distribution-api-version"] == "registry/2.0")

        let wrong = try await registry.raw("GET", "/v2/token", token: nil, headers: basic("mfa_wrong"))
        #expect(wrong.status == 401 && Self.ociError(wrong) == "UNAUTHORIZED")
        let created = try await registry.admin.send(
            "POST", "/v1/tokens", headers: [("Content-Type", "application/json")], body: Array(#"{"label":"ci","scopes":["publish"]}"#.utf8), expected: [201])
        let publishOnly = try JSONDecoder().decode(CreatedToken.self, from: Data(created.body)).token
        let denied = try await registry.raw("GET", "/v2/token", token: nil, headers: basic(publishOnly))
        #expect(denied.status == 403 && Self.ociError(denied) == "DENIED")
        // A device may pull what it may download chunk by chunk.
        let device = try await SimulatedDevice.enroll(registry, labels: [:])
        #expect(try await registry.raw("GET", "/v2/token", token: nil, headers: basic(device.client.token)).status == 200)
    }

    @Test func tagsAreVersionsAndManifestsAreFoundByTagAndDigest() async throws {
        let tags = try await get("/v2/digits-mlp/tags/list")
        #expect(tags.text == #"{"name":"digits-mlp","tags":["1.0.0","1.0.0_fp32","1.0.0_small","2.0.0","2.0.0_fp32"]}"#)

        let byTag = try await get("/v2/digits-mlp/manifests/1.0.0")
        #expect(byTag.status == 200 && byTag[header: "content-type"] == "application/vnd.oci.image.manifest.v1+json")
        let digest = Digest.of(byTag.body).description
        #expect(byTag[header: "docker-content-digest"] == digest)
        #expect(try await get("/v2/digits-mlp/manifests/1.0.0_fp32").body == byTag.body)
        #expect(try await get("/v2/digits-mlp/manifests/\(digest)").body == byTag.body)
        let head = try await get("/v2/digits-mlp/manifests/1.0.0", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty && head[header: "docker-content-digest"] == digest)

        struct Descriptor: Decodable {
            var mediaType: String
            var digest: String
            var size: UInt64
            var annotations: [String: String]?
        }
        struct ImageManifest: Decodable {
            var config: Descriptor
            var layers: [Descriptor]
        }
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(byTag.body))
        #expect(manifest.layers.map(\.digest) == v1.files.map(\.digest.description))
        #expect(manifest.layers.first?.annotations?["org.opencontainers.image.title"] == v1.files.first?.path)

        // The config carries the signed manifest byte for byte, as the registry stores it.
        let config = try await get("/v2/digits-mlp/blobs/\(manifest.config.digest)")
        #expect(Digest.of(config.body).description == manifest.config.digest && UInt64(config.body.count) == manifest.config.size)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(config.body)) as? [String: Any])
        let encoded = try #require(object["dev.modelfleet.manifest"] as? String)
        let signed = try #require(Data(base64Encoded: encoded))
        let stored = try #require(
            try await registry.server.store.versions(of: "digits-mlp").first { $0.version.description == "1.0.0" && $0.variant == "fp32" })
        #expect(Array(signed) == stored.manifest)

        for (path, code) in [
            ("/v2/nothing/manifests/1.0.0", "NAME_UNKNOWN"), ("/v2/digits-mlp/manifests/9.9.9", "MANIFEST_UNKNOWN"),
            ("/v2/digits-mlp/blobs/\(Digest.of([1, 2, 3]))", "BLOB_UNKNOWN"), ("/v2/digits-mlp/blobs/sha256:xyz", "DIGEST_INVALID")
        ] {
            let refused = try await get(path)
            #expect(Self.ociError(refused) == code, "\(path): \(refused.status) \(refused.text)")
        }
    }

    @Test func layersAreTheModelFilesAssembledVerifiedAndCached() async throws {
        let file = try #require(v1.files.first)
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: Self.v1File)))
        let head = try await get("/v2/digits-mlp/blobs/\(file.digest)", method: "HEAD")
        #expect(head.status == 200 && head[header: "content-length"] == "\(original.count)")
        let blob = try await get("/v2/digits-mlp/blobs/\(file.digest)")
        #expect(blob.status == 200 && blob.body == original)
        #expect(blob[header: "docker-content-digest"] == file.digest.description)
        let cached = registry.dataDirectory + "/oci-blobs/" + file.digest.hex
        #expect(FileManager.default.fileExists(atPath: cached))
        #expect(try await get("/v2/digits-mlp/blobs/\(file.digest)").body == original)
    }

    @Test func aCorruptChunkIsNeverAssembledIntoALayer() async throws {
        // Rot every stored chunk of 2.0.0's file that 1.0.0 does not share, then ask for 2.0.0's file.
        let record = try #require(try await registry.server.store.versions(of: "digits-mlp").first { $0.version.major == 2 })
        let v2 = try ManifestCoding.decode(record.manifest).manifest
        let file = try #require(v2.files.first)
        let own = Set(file.chunks.map(\.digest.hex)).subtracting(v1.files.flatMap(\.chunks).map(\.digest.hex))
        var rotted = 0
        for path in registry.storedChunkFiles() where own.contains(where: { path.contains($0) }) {
            let url = URL(fileURLWithPath: registry.dataDirectory + "/chunks/" + path)
            var bytes = Array(try Data(contentsOf: url))
            bytes[bytes.count / 2] ^= 0xFF
            try Data(bytes).write(to: url)
            rotted += 1
        }
        #expect(rotted > 0)
        let refused = try await get("/v2/digits-mlp/blobs/\(file.digest)")
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.text.contains("is corrupt on the registry"))
        let cache = (try? FileManager.default.contentsOfDirectory(atPath: registry.dataDirectory + "/oci-blobs")) ?? []
        #expect(cache.isEmpty, "nothing half-assembled or unverified is kept: \(cache)")
    }
}
