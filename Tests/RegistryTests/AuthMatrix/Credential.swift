import FleetCore
import Registry

/// Who may call a route, as each route's handler decides it (`RegistryContext.require…`).
enum Right: Equatable {
    /// No token at all (`AuthenticationMiddleware.publicPaths`).
    case open
    /// An admin token holding the scope (or `admin`, which implies every scope).
    case scope(Scope)
    /// An admin token with `read`, or any enrolled device: devices download artifacts and trust documents.
    case readOrAnyDevice
    /// Only the device the path names, acting as itself.
    case pathDevice
    /// Only an enrollment token.
    case enrollment
}

/// A credential the matrix tries on every route, and the answer it must get.
enum Credential: String, CaseIterable, CustomStringConvertible {
    case none, unknown, wrongScope, otherDevice, revokedAdmin, revokedDevice, expiredAdmin, decommissionedDevice, enrollment

    var description: String { rawValue }

    /// The refusal this credential gets on a route needing `right`; nil where the credential is that right
    /// (another device reading artifacts, the enrollment token enrolling, anyone on an open route).
    ///
    /// Missing, unknown, revoked and expired tokens are 401: the registry does not know who is asking.
    /// A decommissioned device's token is 403 `device_decommissioned`, not 401: the agent must stop checking
    /// in for good rather than retry with the same token (`TokenRefusal`, the agent's `DeviceDecommissioned`).
    /// A principal the registry knows that lacks the right is 403 `forbidden`.
    func refusal(on right: Right) -> (status: Int, code: String)? {
        if right == .open { return nil }
        switch self {
        case .none, .unknown: return (401, "unauthorized")
        case .revokedAdmin, .revokedDevice: return (401, "token_revoked")
        case .expiredAdmin: return (401, "token_expired")
        case .decommissionedDevice: return (403, "device_decommissioned")
        case .wrongScope: return (403, "forbidden")
        case .otherDevice: return right == .readOrAnyDevice ? nil : (403, "forbidden")
        case .enrollment: return right == .enrollment ? nil : (403, "forbidden")
        }
    }

    /// The bearer token to send (nil: no Authorization header).
    func token(for right: Right, in fixture: AuthMatrixFixture) -> String? {
        switch self {
        case .none: nil
        // Well-formed, with the admin prefix, just not one the registry issued.
        case .unknown: BearerToken.generate(kind: .admin)
        case .wrongScope: fixture.wrongScope(for: right)
        case .otherDevice: fixture.other.client.token
        case .revokedAdmin: fixture.revokedAdmin
        case .revokedDevice: fixture.revokedDevice.client.token
        case .expiredAdmin: fixture.expiredAdmin
        case .decommissionedDevice: fixture.decommissionedDevice.client.token
        case .enrollment: fixture.registry.enrollToken
        }
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

    /// Tokens that hold `right` exactly (for checking that a matrix request is one its rightful caller could make).
    func rightful(for right: Right) -> [String?] {
        switch right {
        case .open: [nil]
        case .scope(let scope): [holding[scope]]
        case .readOrAnyDevice: [holding[.read], other.client.token]
        case .pathDevice: [target.client.token]
        case .enrollment: [registry.enrollToken]
        }
    }
}
