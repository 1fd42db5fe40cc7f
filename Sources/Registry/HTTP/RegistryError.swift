public import FleetCore
import Foundation
public import Hummingbird

/// Every error the API returns, rendered as `{"error": {"code": …, "message": …}}` with its status.
///
/// Routes throw these for what only HTTP knows (scopes, headers, query parameters); `ErrorMiddleware`
/// turns everything else (storage and service errors, FleetCore errors, Hummingbird's own errors) into
/// one, with the statuses `ErrorStatuses.swift` gives them, so clients see a single error shape.
public struct RegistryError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Digests a request referred to that the registry lacks (409 on commit).
    public var missing: [Digest]?
    /// Headers the answer needs besides the JSON body, e.g. `Allow` on a 405.
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, code: String, message: String, missing: [Digest]? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.missing = missing
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func badRequest(_ message: String) -> RegistryError { .init(status: .badRequest, code: "bad_request", message: message) }
    public static func unauthorized(_ message: String) -> RegistryError { .init(status: .unauthorized, code: "unauthorized", message: message) }
    public static func forbidden(_ message: String) -> RegistryError { .init(status: .forbidden, code: "forbidden", message: message) }
    public static func notFound(_ message: String) -> RegistryError { .init(status: .notFound, code: "not_found", message: message) }
    public static func conflict(_ message: String) -> RegistryError { .init(status: .conflict, code: "conflict", message: message) }
    public static func unprocessable(_ code: String, _ message: String) -> RegistryError { .init(status: .unprocessableContent, code: code, message: message) }
    public static func tooLarge(_ limit: Int) -> RegistryError {
        .init(status: .contentTooLarge, code: "too_large", message: "request body is over the limit of \(limit) bytes")
    }

    /// The JSON body, `{"error": {"code": …, "message": …}}`.
    var body: [UInt8] {
        get throws { try StableJSON.encodeBytes(ErrorResponse(error: .init(code: code, message: message, missing: missing))) }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        if DashboardRoutes.serves(request.uri.path) {
            // A browser on the dashboard gets a page, not the API's JSON.
            return DashboardResponse.html(DashboardPage.failure(status: status, message: message).document, status: status, headers: headers)
        }
        let path = request.uri.path
        var response =
            OCIRoutes.serves(path)
            ? JSONBody.response(bytes: OCIRoutes.errorBody(status: status, code: code, message: message), status: status)
            : JSONBody.response(bytes: try body, status: status)
        response.headers.append(contentsOf: headers)
        if status == .unauthorized, response.headers[.wwwAuthenticate] == nil {
            response.headers[.wwwAuthenticate] = challenge
        }
        return response
    }

    /// The `WWW-Authenticate` a 401 must carry (RFC 9110 §11.6.1) in RFC 6750's form: a request that sent
    /// no credentials learns only the scheme; one whose token was refused is told `invalid_token`, so a
    /// generic HTTP client knows to get a new token rather than retry.
    var challenge: String {
        code == "unauthorized" && message.hasPrefix("missing")
            ? #"Bearer realm="modelfleet""#
            : #"Bearer realm="modelfleet", error="invalid_token""#
    }
}
