/// Admin tokens on the wire (`POST /v1/tokens`).

/// What an admin token may do. `admin` implies every other scope.
/// (Named as the registry's decoding errors name it: an unknown scope is reported as "Cannot initialize Scope ...".)
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

/// `POST /v1/tokens` body.
public struct TokenRequest: Codable, Equatable, Sendable {
    /// At least one.
    public var scopes: [Scope]
    /// Who the token is for; the audit log names actions by it.
    public var label: String

    public init(scopes: [Scope], label: String) {
        self.scopes = scopes
        self.label = label
    }
}

/// `POST /v1/tokens` answer: the token's text, shown this once (the registry keeps only its hash).
public struct CreatedToken: Codable, Equatable, Sendable {
    public var token: String

    public init(token: String) {
        self.token = token
    }
}
