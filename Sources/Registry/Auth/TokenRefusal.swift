import FleetCore
import Hummingbird

/// Why a stored token no longer works, as the answer its bearer gets. Each case has its own error code,
/// so a tool can tell "ask for a new token" from "this device was removed from the fleet".
enum TokenRefusal {
    /// 401 `token_revoked` / `token_expired`; 403 `device_decommissioned` for the token of a device an
    /// operator removed, so its agent can stop checking in rather than retry (see the agent's
    /// `DeviceDecommissioned`). Nil: the token works.
    static func check(_ record: TokenRecord, now: Timestamp, store: any MetadataStore) async throws -> RegistryError? {
        if let revokedAt = record.revokedAt {
            if record.kind == .device, let deviceID = record.deviceID, let at = try await store.decommissionedAt(deviceID: deviceID) {
                return RegistryError(
                    status: .forbidden, code: "device_decommissioned",
                    message: "device \(deviceID) was decommissioned at \(at); it must be enrolled again to rejoin the fleet")
            }
            return RegistryError(status: .unauthorized, code: "token_revoked", message: "token \(record.id) was revoked at \(revokedAt)")
        }
        if let expiresAt = record.expiresAt, expiresAt <= now {
            return RegistryError(
                status: .unauthorized, code: "token_expired", message: "token \(record.id) expired at \(expiresAt); ask an admin for a new one")
        }
        return nil
    }

    /// The stored record of a presented `token` if it works now, else the refusal its bearer gets (401
    /// `unknown token`, or what `check` says). A `Result`, so callers that answer a refusal their own way (the
    /// dashboard's login form) need no do/catch around the await (docs/decisions.md, "Swift 6.3 hazard").
    /// Throws only what the store throws.
    static func lookUp(_ token: String, now: Timestamp, store: any MetadataStore) async throws -> Result<TokenRecord, RegistryError> {
        guard let record = try await store.token(hash: BearerToken.hash(token)) else { return .failure(.unauthorized("unknown token")) }
        if let refusal = try await check(record, now: now, store: store) { return .failure(refusal) }
        return .success(record)
    }
}
