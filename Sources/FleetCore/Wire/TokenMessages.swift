/// Bearer tokens on the wire (`/v1/tokens`): creating, listing and revoking them.

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

/// What a bearer token is for: operators' tools (`admin`, with scopes), enrolling new devices
/// (`enrollment`), or one enrolled device (`device`, made by enrollment only).
public enum TokenKind: String, Codable, Sendable, CaseIterable {
    case admin, enrollment, device
}

/// A token's public name: `tok_` and the first 16 hex digits of the SHA-256 the registry stores. It
/// identifies the token in `tokens ls`, `tokens revoke` and the audit log without revealing it.
public enum TokenID {
    public static let prefix = "tok_"

    public static func of(hash: String) -> String { prefix + hash.prefix(16) }

    /// The hash prefix an id stands for, or nil when `id` is not shaped like one.
    public static func hashPrefix(_ id: String) -> String? {
        guard id.hasPrefix(prefix) else { return nil }
        let hex = id.dropFirst(prefix.count)
        guard hex.count == 16, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return String(hex)
    }
}

/// `POST /v1/tokens` body.
public struct TokenRequest: Codable, Equatable, Sendable {
    /// At least one for an admin token; none for an enrollment token.
    public var scopes: [Scope]
    /// Who the token is for; the audit log names actions by it.
    public var label: String
    /// `admin` (the default) or `enrollment`; device tokens come from enrollment only.
    public var kind: TokenKind?
    /// Seconds from now until the token stops working; nil: it does not expire.
    public var expiresInSeconds: Int?

    public init(scopes: [Scope], label: String, kind: TokenKind? = nil, expiresInSeconds: Int? = nil) {
        self.scopes = scopes
        self.label = label
        self.kind = kind
        self.expiresInSeconds = expiresInSeconds
    }
}

/// `POST /v1/tokens` answer: the token's text, shown this once (the registry keeps only its hash).
public struct CreatedToken: Codable, Equatable, Sendable {
    public var token: String
    /// The id `tokens ls` and `tokens revoke` know it by (absent from registries older than revocation).
    public var id: String?
    public var expiresAt: Timestamp?

    public init(token: String, id: String? = nil, expiresAt: Timestamp? = nil) {
        self.token = token
        self.id = id
        self.expiresAt = expiresAt
    }
}

/// One token as `GET /v1/tokens` lists it: never its text or hash.
public struct TokenSummary: Codable, Equatable, Sendable {
    public var id: String
    public var kind: TokenKind
    public var scopes: [Scope]
    public var label: String
    /// The device a device token belongs to.
    public var deviceID: String?
    public var createdAt: Timestamp
    public var expiresAt: Timestamp?
    public var revokedAt: Timestamp?
    /// The last request it authenticated (to the second); absent: never used.
    public var lastUsedAt: Timestamp?

    public init(
        id: String, kind: TokenKind, scopes: [Scope], label: String, deviceID: String? = nil, createdAt: Timestamp, expiresAt: Timestamp? = nil,
        revokedAt: Timestamp? = nil, lastUsedAt: Timestamp? = nil
    ) {
        self.id = id
        self.kind = kind
        self.scopes = scopes
        self.label = label
        self.deviceID = deviceID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    /// `active`, `expired` or `revoked` at `now`.
    public func state(at now: Timestamp) -> String {
        if revokedAt != nil { return "revoked" }
        if let expiresAt, expiresAt <= now { return "expired" }
        return "active"
    }
}

/// `GET /v1/tokens` answer, oldest first.
public struct TokenList: Codable, Equatable, Sendable {
    public var tokens: [TokenSummary]

    public init(tokens: [TokenSummary]) {
        self.tokens = tokens
    }
}
