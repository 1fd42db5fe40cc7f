import FleetCore
import Registry

/// A credential the matrix tries on every route, and the answer it must get.
enum Credential: String, CaseIterable, CustomStringConvertible {
    case none, unknown, wrongScope, otherDevice, revokedAdmin, revokedDevice, expiredAdmin, decommissionedDevice, enrollment
    /// The route's rightful token, sent under another scheme (`Token …`) or with no scheme at all: a lax
    /// parser that took the header's last word would let these through.
    case wrongScheme, noScheme

    var description: String { rawValue }

    /// The refusal this credential gets on a route needing `right`; nil where the credential is that right
    /// (another device reading artifacts, the enrollment token enrolling, anyone on an open route).
    ///
    /// Missing, unknown, malformed, revoked and expired tokens are 401: the registry does not know who is asking.
    /// A decommissioned device's token is 403 `device_decommissioned`, not 401: the agent must stop checking
    /// in for good rather than retry with the same token (`TokenRefusal`, the agent's `DeviceDecommissioned`).
    /// A principal the registry knows that lacks the right is 403 `forbidden`.
    func refusal(on right: Right) -> (status: Int, code: String)? {
        if right == .open { return nil }
        switch self {
        case .none, .unknown, .wrongScheme, .noScheme: return (401, "unauthorized")
        case .revokedAdmin, .revokedDevice: return (401, "token_revoked")
        case .expiredAdmin: return (401, "token_expired")
        case .decommissionedDevice: return (403, "device_decommissioned")
        case .wrongScope: return (403, "forbidden")
        case .otherDevice: return right == .readOrAnyDevice ? nil : (403, "forbidden")
        case .enrollment: return right == .enrollment ? nil : (403, "forbidden")
        }
    }

    /// The `Authorization` header to send, if any.
    func authorization(for right: Right, in fixture: AuthMatrixFixture) -> [(name: String, value: String)] {
        let value: String? =
            switch self {
            case .none: nil
            // Well-formed, with the admin prefix, just not one the registry issued.
            case .unknown: "Bearer " + BearerToken.generate(kind: .admin)
            case .wrongScope: fixture.wrongScope(for: right).map { "Bearer " + $0 }
            case .otherDevice: "Bearer " + fixture.other.client.token
            case .revokedAdmin: "Bearer " + fixture.revokedAdmin
            case .revokedDevice: "Bearer " + fixture.revokedDevice.client.token
            case .expiredAdmin: "Bearer " + fixture.expiredAdmin
            case .decommissionedDevice: "Bearer " + fixture.decommissionedDevice.client.token
            case .enrollment: "Bearer " + fixture.registry.enrollToken
            case .wrongScheme: fixture.rightful(for: right).first.flatMap { $0 }.map { "Token " + $0 }
            case .noScheme: fixture.rightful(for: right).first.flatMap { $0 }
            }
        return value.map { [(name: "Authorization", value: $0)] } ?? []
    }
}

extension AuthMatrixFixture {
    /// The strongest admin token that still lacks `right`: every other scope for a scoped route; for a
    /// device's or the enrollment route, the full `admin` token (admin implies scopes, not identities).
    func wrongScope(for right: Right) -> String? {
        switch right {
        case .open: nil
        case .scope(let scope): lacking[scope]
        case .readOrAnyDevice: lacking[.read]
        case .pathDevice, .enrollment: registry.adminToken
        }
    }
}
