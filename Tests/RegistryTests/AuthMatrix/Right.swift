import FleetCore

/// Who may call a route, as each route's handler decides it (`RegistryContext.require…`).
///
/// Each route's right is written down by hand in `AuthMatrixFixture.requests()`, and both tests pin it:
/// the matrix fails if a caller just short of the right gets through (so a right written too strict is
/// caught), the rightful-caller test fails if the right's own token is refused (so one written too lax is).
enum Right: Equatable {
    /// No token at all (`AuthenticationMiddleware.publicPaths`; `AuthMatrixTests.publicRoutes` names them).
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

extension AuthMatrixFixture {
    /// Tokens that hold `right` exactly and no more (nil: no token), for showing that a matrix request is
    /// one its rightful caller could make. For artifacts, both kinds of reader.
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
