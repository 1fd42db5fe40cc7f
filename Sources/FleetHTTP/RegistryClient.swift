import FleetCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Typed calls of the registry's wire API v1, shared by fleetctl and the agent.
public struct RegistryClient: Sendable {
    public var baseURL: String
    public var token: String
    public var http: HTTPClient
    /// Retry transport errors, 5xx and 429 per `http.options.retry` (the agent does; fleetctl
    /// reports at once, so a person sees a failing commit instead of waiting for backoff).
    public var retrying: Bool

    public init(baseURL: String, token: String, http: HTTPClient = HTTPClient(), retrying: Bool = false) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.http = http
        self.retrying = retrying
    }

    /// An HTTP status the call did not expect, with the server's error code and message.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var status: Int
        public var code: String
        public var message: String
        public var missing: [Digest]
        public var description: String { "registry answered \(status) \(code): \(message)" }
    }

    /// Sends a request with the bearer token; any status outside `expected` becomes a `Failure`.
    public func send(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil, expected: Set<Int> = [200]) async throws -> HTTPResponse {
        let request = HTTPRequest(method: method, url: baseURL + path, headers: [("Authorization", "Bearer \(token)")] + headers, body: body)
        let response = retrying ? try await http.sendWithRetries(request) : try await http.send(request)
        guard expected.contains(response.status) else { throw Self.failure(response) }
        return response
    }

    public static func failure(_ response: HTTPResponse) -> Failure {
        struct Envelope: Decodable {
            struct Detail: Decodable { var code: String; var message: String; var missing: [Digest]? }
            var error: Detail
        }
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(response.body)) {
            return Failure(status: response.status, code: envelope.error.code, message: envelope.error.message, missing: envelope.error.missing ?? [])
        }
        return Failure(status: response.status, code: "http", message: String(response.text.prefix(200)), missing: [])
    }

    func json<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [UInt8](try encoder.encode(value))
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(response.body))
    }

    private static let jsonHeader = [(name: "Content-Type", value: "application/json")]

    // MARK: publishing

    public func missingChunks(_ digests: [Digest]) async throws -> MissingChunksResponse {
        try decode(MissingChunksResponse.self, try await send("POST", "/v1/chunks/missing", headers: Self.jsonHeader, body: json(MissingChunksRequest(digests: digests))))
    }

    @discardableResult
    public func putChunk(_ digest: Digest, codec: ChunkCodec, length: Int, stored: [UInt8]) async throws -> StoredChunkForm {
        let headers = [(name: ChunkHeaders.codec, value: codec.description), (name: ChunkHeaders.length, value: String(length)),
                       (name: "Content-Type", value: "application/octet-stream")]
        return try decode(StoredChunkForm.self, try await send("PUT", "/v1/chunks/\(digest)", headers: headers, body: stored, expected: [201]))
    }

    /// `hold`: keep the version out of "the latest" until a rollout of it completes (push, then create the rollout).
    public func commit(_ manifestBytes: [UInt8], model: String, hold: Bool = false) async throws {
        _ = try await send("POST", "/v1/models/\(model)/versions\(hold ? "?hold=true" : "")", headers: Self.jsonHeader, body: manifestBytes, expected: [201])
    }

    public func registerPublisher(_ key: PublisherPublicKey) async throws {
        struct Body: Encodable { var publicKeyPEM: String }
        _ = try await send("POST", "/v1/publishers", headers: Self.jsonHeader, body: json(Body(publicKeyPEM: key.pem)), expected: [201])
    }

    // MARK: reading

    public func manifest(model: String, version: SemanticVersion, variant: String) async throws -> [UInt8] {
        try await send("GET", "/v1/models/\(model)/versions/\(version)?variant=\(variant)").body
    }

    public func chunk(_ digest: Digest) async throws -> HTTPResponse {
        try await send("GET", "/v1/chunks/\(digest)")
    }

    /// Downloads a chunk's stored bytes into `path`, resuming from what is already there.
    /// Returns the bytes received over the wire.
    @discardableResult
    public func downloadChunk(_ digest: Digest, storedLength: Int, to path: String) async throws -> Int {
        let request = HTTPRequest(method: "GET", url: baseURL + "/v1/chunks/\(digest)", headers: [("Authorization", "Bearer \(token)")])
        return try await http.download(request, to: path, expectedLength: storedLength)
    }

    // MARK: devices

    public func enroll(_ profile: DeviceProfile) async throws -> EnrollmentResponse {
        try decode(EnrollmentResponse.self, try await send("POST", "/v1/devices/enroll", headers: Self.jsonHeader, body: json(profile), expected: [201]))
    }

    public func checkin(deviceID: String, _ report: CheckinRequest) async throws -> CheckinResponse {
        try decode(CheckinResponse.self, try await send("POST", "/v1/devices/\(deviceID)/checkin", headers: Self.jsonHeader, body: json(report)))
    }

    public func report(deviceID: String, _ batch: EventBatch) async throws {
        _ = try await send("POST", "/v1/devices/\(deviceID)/events", headers: Self.jsonHeader, body: json(batch), expected: [202])
    }
}
