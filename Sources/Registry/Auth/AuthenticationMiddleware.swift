import FleetCore
import Hummingbird

/// Resolves `Authorization: Bearer <token>` to a `Principal` on every request but `/healthz`.
/// A missing, unknown, revoked or expired token is 401 here (a decommissioned device's, 403); whether the principal may do what it asks (403) is
/// decided by each route, which knows what it needs.
///
/// The dashboard (`/ui`) is the exception: a browser sends a session cookie, not a bearer header, and a
/// page without a working session is sent to the login form rather than refused, so there a missing or
/// refused session leaves the principal nil for `DashboardRoutes` to act on.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = RegistryContext
    let store: any MetadataStore
    /// The registry serves TLS itself (for the OCI token realm's scheme).
    var servesTLS = false
    static let publicPaths: Set<String> = ["/healthz"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        // OCI clients trade HTTP Basic credentials for a bearer token there (`OCIRoutes.exchangeToken` checks them).
        if request.uri.path == OCIRoutes.tokenPath { return try await next(request, context) }
        if OCIRoutes.serves(request.uri.path) {
            do {
                return try await authenticated(request, context, next)
            } catch var refusal as RegistryError where refusal.status == .unauthorized {
                // The distribution spec's challenge: where to trade credentials for a token.
                refusal.headers[.wwwAuthenticate] = OCIRoutes.challenge(for: request, tls: servesTLS)
                throw refusal
            }
        }
        if DashboardRoutes.serves(request.uri.path) {
            var context = context
            if let session = DashboardSession(request: request) {
                do {
                    let principal = try await principal(for: session.token)
                    if case .admin = principal { context.principal = principal }
                } catch is RegistryError {
                    // Refused (expired, revoked, unknown): the page asks for a new login.
                }
            }
            return try await proceed(request, context, next)
        }
        return try await authenticated(request, context, next)
    }

    /// The bearer token's principal, then the rest of the chain.
    private func authenticated(_ request: Request, _ context: Context, _ next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw RegistryError.unauthorized("missing bearer token (Authorization: Bearer <token>)")
        }
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer x` is the same credential as `Bearer x`.
        // Byte-wise: Foundation's `contains(_: StringProtocol)` was 1% of a chunk GET (perf).
        let scheme = header.prefix { $0 != " " }
        guard scheme.utf8.count == 6, scheme.lowercased() == "bearer", case let token = header.dropFirst(scheme.count + 1), !token.isEmpty,
            !token.utf8.contains(UInt8(ascii: " "))
        else {
            throw RegistryError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        var context = context
        context.principal = try await principal(for: String(token))
        return try await proceed(request, context, next)
    }

    /// Who `token` stands for, recording its use; throws the `RegistryError` its bearer is refused with.
    private func principal(for token: String) async throws -> Principal {
        let now = Timestamp.now()
        let record = try await TokenRefusal.lookUp(token, now: now, store: store).get()
        try await store.recordTokenUses([record.hash: now])
        switch record.kind {
        case .admin: return .admin(scopes: Set(record.scopes), label: record.label)
        case .enrollment: return .enrollment
        case .device: return .device(id: record.deviceID ?? "")
        }
    }

    private func proceed(_ request: Request, _ context: Context, _ next: (Request, Context) async throws -> Response) async throws -> Response {
        guard case .admin = context.principal else { return try await next(request, context) }
        // Operators read what every replica committed, not this replica's caches (see `readsThrough`).
        return try await CachingMetadataStore.$readsThrough.withValue(true) { try await next(request, context) }
    }
}
