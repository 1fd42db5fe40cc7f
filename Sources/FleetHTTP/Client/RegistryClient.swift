public import FleetCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Typed calls of the registry's wire API v1, shared by fleetctl, the agent and the tests.
///
/// One method per route of `docs/openapi.yaml`, grouped by route family in `RegistryClient+*.swift`;
/// bodies and answers are the `FleetCore/Wire` types the registry encodes, so neither side spells a
/// path or a JSON shape of its own. Operator calls answer a `RegistryReply`, which keeps the
/// registry's JSON beside the decoded value for tools that show it (`fleetctl --json`).
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

    /// A success status whose body is not the JSON the route promises (a proxy's page, another API version).
    public struct UnexpectedAnswer: Error, CustomStringConvertible, Sendable {
        public var status: Int
        public var reason: String
        public var description: String { "unexpected answer from the registry (\(status)): \(reason)" }
    }

    /// Sends a request with the bearer token; any status outside `expected` becomes a `Failure`.
    public func send(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil, expected: Set<Int> = [200])
        async throws -> HTTPResponse
    {
        let request = HTTPRequest(method: method, url: baseURL + path, headers: [("Authorization", "Bearer \(token)")] + headers, body: body)
        let response = retrying ? try await http.sendWithRetries(request) : try await http.send(request)
        guard expected.contains(response.status) else { throw Self.failure(response) }
        return response
    }

    /// The registry's error body as a `Failure`; a body that is not one keeps its first 200 characters.
    public static func failure(_ response: HTTPResponse) -> Failure {
        if let envelope = try? JSONDecoder().decode(ErrorResponse.self, from: Data(response.body)) {
            return Failure(status: response.status, code: envelope.error.code, message: envelope.error.message, missing: envelope.error.missing ?? [])
        }
        return Failure(status: response.status, code: "http", message: String(response.text.prefix(200)), missing: [])
    }

    // MARK: building blocks of the typed calls

    static let jsonHeader = [(name: "Content-Type", value: "application/json")]

    func json<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [UInt8](try encoder.encode(value))
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(response.body)) } catch {
            throw UnexpectedAnswer(status: response.status, reason: "\(error)")
        }
    }

    /// A JSON call: `body` is JSON (from `json(_:)`) or nil; the answer is decoded as `Answer`, its JSON kept.
    func call<Answer: Decodable & Sendable>(
        _ method: String, _ path: String, body: [UInt8]? = nil, expected: Int = 200,
        answer: Answer.Type
    ) async throws -> RegistryReply<Answer> {
        let response = try await send(method, path, headers: body == nil ? [] : Self.jsonHeader, body: body, expected: [expected])
        return RegistryReply(value: try decode(Answer.self, response), json: response.body)
    }
}
