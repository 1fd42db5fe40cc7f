public import FleetCore

/// Who is making a request, established by `AuthenticationMiddleware` from the bearer token.
public enum Principal: Sendable, Equatable {
    case admin(scopes: Set<Scope>, label: String)
    case enrollment
    case device(id: String)

    /// True for admin tokens holding `scope` (or `admin`).
    public func has(_ scope: Scope) -> Bool {
        guard case .admin(let scopes, _) = self else { return false }
        return scopes.contains(scope) || scopes.contains(.admin)
    }
}
