import FleetCore
import Hummingbird

/// Resolves `Authorization: Bearer <token>` to a `Principal` on every request but `/healthz`.
/// A missing, unknown, revoked or expired token is 401 here (a decommissioned device's, 403); whether the principal may do what it asks (403) is
/// decided by each route, which knows what it needs.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = RegistryContext
    let store: any MetadataStore
    static let publicPaths: Set<String> = ["/healthz"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.publicPaths.contains(request.uri.path) { return try await next(request, context) }
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
        guard let record = try await store.token(hash: BearerToken.hash(String(token))) else {
            throw RegistryError.unauthorized("unknown token")
        }
        let now = Timestamp.now()
        if let refusal = try await TokenRefusal.check(record, now: now, store: store) { throw refusal }
        try await store.recordTokenUses([record.hash: now])
        var context = context
        switch record.kind {
        case .admin:
            context.principal = .admin(scopes: Set(record.scopes), label: record.label)
            // Operators read what every replica committed, not this replica's caches (see `readsThrough`).
            return try await CachingMetadataStore.$readsThrough.withValue(true) { [context] in try await next(request, context) }
        case .enrollment: context.principal = .enrollment
        case .device: context.principal = .device(id: record.deviceID ?? "")
        }
        return try await next(request, context)
    }
}
