import FleetCore
import Hummingbird

/// 429 with `Retry-After` for an address that failed authentication too often (its requests are not
/// even looked up until it may try again) or enrolls devices faster than `devices.enrollments_per_minute`.
/// Placed before `AuthenticationMiddleware`, whose 401s it counts.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = RegistryContext
    let failedAuthentications: AddressRateLimiter
    let enrollments: AddressRateLimiter
    let clientAddress: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Health probes carry no token and come from monitoring, which must not read a guesser's hold as an outage.
        if AuthenticationMiddleware.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        let address = clientAddress.of(request, peer: context.remoteAddress)
        if let wait = failedAuthentications.wait(for: address) {
            throw Self.tooMany(
                "too many failed authentications from \(address) (over \(failedAuthentications.perMinute) a minute); retry in \(wait) s",
                retryAfter: wait)
        }
        if request.method == .post, request.uri.path == "/v1/devices/enroll", let wait = enrollments.take(address) {
            throw Self.tooMany("too many enrollments from \(address) (over \(enrollments.perMinute) a minute); retry in \(wait) s", retryAfter: wait)
        }
        do {
            let response = try await next(request, context)
            // A refused dashboard login answers with its form (401), not a thrown error.
            if response.status == .unauthorized { failedAuthentications.take(address) }
            return response
        } catch let error as RegistryError where error.status == .unauthorized {
            failedAuthentications.take(address)
            throw error
        }
    }

    static func tooMany(_ message: String, retryAfter: Int) -> RegistryError {
        var error = RegistryError(status: .tooManyRequests, code: "rate_limited", message: message)
        error.headers[.retryAfter] = "\(retryAfter)"
        return error
    }
}
