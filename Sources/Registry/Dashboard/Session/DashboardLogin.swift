import FleetCore

/// Turns an admin token typed into the login form into a session, and ends sessions.
struct DashboardLogin: Sendable {
    let store: any MetadataStore

    /// Why a login was refused, shown on the login page (never which part of a token was wrong).
    struct Refused: Error {
        let message: String
    }

    /// A new session for the admin token `typed`, expiring after `DashboardSession.lifetimeSeconds` or
    /// when `typed` itself expires, whichever is sooner.
    func start(with typed: String, now: Timestamp) async throws -> (session: DashboardSession, expiresAt: Timestamp) {
        let trimmed = typed.trimmingWhitespace
        guard !trimmed.isEmpty else { throw Refused(message: "enter an admin token") }
        let parent: TokenRecord
        switch try await TokenRefusal.lookUp(trimmed, now: now, store: store) {
        case .success(let record): parent = record
        case .failure(let refusal): throw Refused(message: refusal.message)
        }
        guard parent.kind == .admin else {
            throw Refused(
                message: "\(parent.kind == .enrollment ? "an enrollment" : "a device") token cannot log in: use an admin token (fleetctl tokens create)")
        }
        var expiresAt = Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + DashboardSession.lifetimeSeconds)
        if let parentExpiry = parent.expiresAt { expiresAt = min(expiresAt, parentExpiry) }
        let token = BearerToken.generate(kind: .admin)
        let record = TokenRecord(
            hash: BearerToken.hash(token), kind: .admin, scopes: parent.scopes, deviceID: nil, label: DashboardSession.label(madeFrom: parent),
            createdAt: now, expiresAt: expiresAt)
        try await store.insertToken(
            record, audit: AuditEntry(at: now, actor: parent.label, action: "ui.login", subject: record.id, detail: "expires \(expiresAt)"))
        return (DashboardSession(token: token), expiresAt)
    }

    /// Revokes the session's token, so the cookie is worthless even if a copy of it survives.
    func end(_ session: DashboardSession, actor: String, now: Timestamp) async throws {
        guard let record = try await store.token(hash: BearerToken.hash(session.token)), record.revokedAt == nil,
            let prefix = TokenID.hashPrefix(record.id)
        else { return }
        _ = try await store.revokeToken(hashPrefix: prefix, audit: AuditEntry(at: now, actor: actor, action: "ui.logout", subject: record.id, detail: ""))
    }

    /// Revokes the live sessions made from the token `parentID` (called before that token is revoked).
    func endSessions(madeFrom parentID: String, actor: String, now: Timestamp) async throws {
        for session in try await store.tokens() where session.revokedAt == nil && DashboardSession.isSession(session, madeFrom: parentID) {
            guard let prefix = TokenID.hashPrefix(session.id) else { continue }
            _ = try await store.revokeToken(
                hashPrefix: prefix,
                audit: AuditEntry(at: now, actor: actor, action: "token.revoke", subject: session.id, detail: "session of revoked \(parentID)"))
        }
    }
}
