/// What an admin token may do. `admin` implies every other scope.
public enum Scope: String, Codable, Sendable, CaseIterable {
    /// Upload chunks and commit versions.
    case publish
    /// Read models, versions, chunks and metrics.
    case read
    /// Manage devices and assignments.
    case fleet
    /// Register publisher keys and create tokens.
    case admin
}

/// Who is making a request, established by `AuthenticationMiddleware` from the bearer token.
public enum Principal: Sendable, Equatable {
    case admin(scopes: Set<Scope>, label: String)
    case enrollment
    case device(id: String)

    /// True for admin tokens holding `scope` (or `admin`).
    public func has(_ scope: Scope) -> Bool {
        guard case let .admin(scopes, _) = self else { return false }
        return scopes.contains(scope) || scopes.contains(.admin)
    }
}
