import FleetCore
import Hummingbird

/// `/v1/tokens` (admin scope): create, list and revoke bearer tokens. Each change has its audit line;
/// a revocation works at the next request (`TokenRefusal`).
struct TokenRoutes {
    let store: any MetadataStore
    /// The longest expiry a token may be given: ten years, so the arithmetic on it cannot overflow.
    static let maximumExpirySeconds = 10 * 365 * 86_400

    func register(on router: RouteTable) {
        router.post("/v1/tokens") { request, context in
            try context.require(.admin)
            var request = request
            let body = try await request.decodeJSON(TokenRequest.self)
            let now = Timestamp.now()
            let token = BearerToken.generate(kind: body.kind ?? .admin)
            let stored = try Self.record(for: body, hash: BearerToken.hash(token), now: now)
            try await store.insertToken(
                stored,
                audit: AuditEntry(
                    at: now, actor: context.actorName, action: "token.create", subject: body.label,
                    detail: "\(stored.id) \(stored.kind.rawValue)"
                        + (stored.scopes.isEmpty ? "" : " scopes \(stored.scopes.map(\.rawValue).joined(separator: ","))")
                        + (stored.expiresAt.map { " expires \($0)" } ?? "")))
            return try JSONBody.response(CreatedToken(token: token, id: stored.id, expiresAt: stored.expiresAt), status: .created)
        }
        router.get("/v1/tokens") { _, context in
            try context.require(.admin)
            return try JSONBody.response(TokenList(tokens: try await store.tokens().map(TokenSummary.init)))
        }
        router.delete("/v1/tokens/:id") { _, context in
            try context.require(.admin)
            let id = try context.pathParameter("id")
            guard let prefix = TokenID.hashPrefix(id) else {
                throw RegistryError.badRequest("'\(id)' is not a token id (\(TokenID.prefix) and 16 hex digits, as fleetctl tokens ls shows)")
            }
            let now = Timestamp.now()
            // Dashboard sessions made from this token end with it (first: the store may refuse revoking a last admin token).
            try await DashboardLogin(store: store).endSessions(madeFrom: id, actor: context.actorName, now: now)
            let revoked = try await store.revokeToken(
                hashPrefix: prefix, audit: AuditEntry(at: now, actor: context.actorName, action: "token.revoke", subject: id, detail: ""))
            return try JSONBody.response(TokenSummary(revoked))
        }
    }

    /// The token a request asks for, before its secret is made. Synchronous (docs/decisions.md, "Swift 6.3 hazard").
    static func record(for body: TokenRequest, hash: String, now: Timestamp) throws -> TokenRecord {
        let kind = body.kind ?? .admin
        switch kind {
        case .admin:
            guard !body.scopes.isEmpty else { throw RegistryError.badRequest("an admin token needs at least one scope") }
        case .enrollment:
            guard body.scopes.isEmpty else { throw RegistryError.badRequest("an enrollment token takes no scopes: it can only enroll devices") }
        case .device:
            throw RegistryError.badRequest("device tokens are made by enrollment only (POST /v1/devices/enroll)")
        }
        var expiresAt: Timestamp?
        if let seconds = body.expiresInSeconds {
            guard (1...maximumExpirySeconds).contains(seconds) else {
                throw RegistryError.badRequest("expiresInSeconds must be between 1 and \(maximumExpirySeconds), got \(seconds)")
            }
            expiresAt = Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + Int64(seconds))
        }
        return TokenRecord(hash: hash, kind: kind, scopes: body.scopes, deviceID: nil, label: body.label, createdAt: now, expiresAt: expiresAt)
    }
}

extension TokenSummary {
    init(_ record: TokenRecord) {
        self.init(
            id: record.id, kind: record.kind, scopes: record.scopes, label: record.label, deviceID: record.deviceID, createdAt: record.createdAt,
            expiresAt: record.expiresAt, revokedAt: record.revokedAt, lastUsedAt: record.lastUsedAt)
    }
}
