public import FleetCore

/// What the metadata store keeps. Plain values: the stores behind `MetadataStore` map them to tables.
/// Publisher keys, events, audit lines and rollouts are kept as their wire types (`RegisteredPublisher`,
/// `RecordedEvent`, `AuditEntry`, `Rollout`): the API shows them as stored.

/// A chunk the registry holds, in its one stored form.
public struct ChunkRecord: Codable, Equatable, Sendable {
    public var digest: Digest
    public var length: Int
    public var storedLength: Int
    public var codec: ChunkCodec

    public var form: StoredChunkForm { StoredChunkForm(length: length, storedLength: storedLength, codec: codec) }
}

/// One committed version of one variant of a model, with its signed manifest.
public struct VersionRecord: Codable, Equatable, Sendable {
    public var model: String
    public var version: SemanticVersion
    public var variant: String
    public var manifestDigest: Digest
    public var manifest: [UInt8]
    public var publisher: String
    public var createdAt: Timestamp
    public var committedAt: Timestamp
    public var totalSize: UInt64
    public var storedSize: UInt64
    /// From the signed manifest, kept beside it so check-ins pick variants without decoding manifests.
    public var requirements: Manifest.Requirements? = nil
    /// Pushed with `--hold`: not "the latest" for unpinned assignments until a rollout of it completes, so
    /// devices checking in between the push and the rollout's creation do not all get it.
    public var held: Bool = false
}

/// A bearer token, stored only as the SHA-256 of its text.
public struct TokenRecord: Codable, Equatable, Sendable {
    public var hash: String
    public var kind: TokenKind
    public var scopes: [Scope]
    public var deviceID: String?
    public var label: String
    public var createdAt: Timestamp
    /// After this the token is refused with 401 `token_expired`; nil: it does not expire.
    public var expiresAt: Timestamp? = nil
    /// Set by `fleetctl tokens revoke` or a device's decommissioning; the row stays, so a revoked token
    /// is refused as revoked (not as unknown) and `tokens ls` still shows it.
    public var revokedAt: Timestamp? = nil
    /// The last request it authenticated, to the second (written behind, with check-ins: at most a second late).
    public var lastUsedAt: Timestamp? = nil

    /// What operators name a token by: a prefix of its hash, so listing tokens never shows a secret.
    public var id: String { TokenID.of(hash: hash) }
}

/// An enrolled device and what it last said.
public struct DeviceRecord: Codable, Equatable, Sendable {
    public var id: String
    public var profile: DeviceProfile
    public var labels: [String: String]
    public var enrolledAt: Timestamp
    public var lastSeenAt: Timestamp?
    public var lastCheckin: CheckinRequest?
}

/// "Devices whose labels match `selector` should run `model` (at `version`, or the latest)."
public struct AssignmentRecord: Codable, Equatable, Sendable {
    public var model: String
    public var selector: LabelSelector
    public var version: SemanticVersion?
    public var variant: String?
    public var updatedAt: Timestamp
}

/// What a device said at one check-in, and when.
public struct CheckinRecord: Sendable, Equatable {
    public var deviceID: String
    public var at: Timestamp
    public var report: CheckinRequest
}

/// A trust document the registry accepted, as its canonical bytes (what devices fetch and verify).
public struct StoredTrustDocument: Equatable, Sendable {
    public var version: Int
    public var bytes: [UInt8]
    public var acceptedAt: Timestamp

    public init(version: Int, bytes: [UInt8], acceptedAt: Timestamp) {
        self.version = version
        self.bytes = bytes
        self.acceptedAt = acceptedAt
    }
}
