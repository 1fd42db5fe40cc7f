public import FleetCore

/// Everything the registry knows besides chunk bytes: chunks' stored forms, publisher keys,
/// versions and their manifests, tokens, devices, assignments, events, device health, rollouts and the audit log.
///
/// The embedded default is SQLite (`SQLiteMetadataStore`); `PostgresMetadataStore` implements the same
/// protocol for many replicas sharing one database, and `Tests/RegistryTests/Stores/` runs one conformance
/// suite against both. Implementations must make each call atomic: a crash leaves a call's effect whole or
/// absent, and a concurrent caller (another replica) sees it whole or not at all.
///
/// What a store refuses it throws as `StorageError` (the cases the methods below name), never as an
/// HTTP error: the HTTP layer gives those their statuses, so a new store needs no knowledge of the API.
/// Anything else it throws (a lost connection, a driver error) reaches clients as a logged 500.
public protocol MetadataStore: Sendable {
    func chunks(_ digests: [Digest]) async throws -> [Digest: ChunkRecord]
    /// Records a chunk unless one with that digest exists; returns the record that is now stored.
    func recordChunk(_ chunk: ChunkRecord) async throws -> ChunkRecord
    func chunkCount() async throws -> Int
    /// Up to `limit` recorded chunks in digest order, after `after` (from the first when nil): the scrub's walk.
    func chunks(after: Digest?, limit: Int) async throws -> [ChunkRecord]

    // An operator's change and its audit line are one transaction: neither is stored without the other.

    func addPublisher(_ publisher: RegisteredPublisher, audit: AuditEntry) async throws
    func publishers() async throws -> [RegisteredPublisher]

    /// Trust documents with a version above `version`, oldest first.
    func trustDocuments(after version: Int) async throws -> [StoredTrustDocument]
    /// Stores a trust document; throws `StorageError.conflict` unless its version is above every stored one.
    func insertTrustDocument(_ document: StoredTrustDocument, audit: AuditEntry) async throws

    /// Inserts a version; throws `StorageError.conflict` if that model, version and variant exist.
    func insertVersion(_ version: VersionRecord, audit: AuditEntry) async throws
    func modelNames() async throws -> [String]
    func versions(of model: String) async throws -> [VersionRecord]

    /// `audit` is nil only for tokens the registry makes itself (device enrollment, first start).
    func insertToken(_ token: TokenRecord, audit: AuditEntry?) async throws
    func token(hash: String) async throws -> TokenRecord?
    func hasTokens(of kind: TokenKind) async throws -> Bool

    func insertDevice(_ device: DeviceRecord) async throws
    func device(id: String) async throws -> DeviceRecord?
    func devices() async throws -> [DeviceRecord]
    /// Stores the latest check-in of each device in the batch (one transaction).
    func recordCheckins(_ checkins: [CheckinRecord]) async throws
    func insertEvents(_ events: [RecordedEvent]) async throws
    func events(deviceID: String) async throws -> [RecordedEvent]

    func setAssignment(_ assignment: AssignmentRecord, audit: AuditEntry) async throws
    func assignments() async throws -> [AssignmentRecord]

    /// Replaces a device's labels; throws `StorageError.notFound` for an unknown device.
    func setLabels(deviceID: String, labels: [String: String], audit: AuditEntry) async throws
    /// Health per device and version, as check-ins reported it (`recordCheckins` keeps it); nil model: all.
    func health(model: String?) async throws -> [DeviceVersionHealth]
    func health(deviceID: String) async throws -> [DeviceVersionHealth]

    /// Inserts a rollout. An active or paused rollout of the same model is marked aborted ("superseded")
    /// when `superseding`, else the insert throws `StorageError.conflict`. Returns the superseded rollouts.
    func createRollout(_ rollout: Rollout, superseding: Bool, audit: AuditEntry) async throws -> [Rollout]
    /// Stores a changed rollout as its next revision, with its audit line, in one transaction. Throws
    /// `StorageError.conflict` if the stored rollout is no longer at `rollout.revision`.
    func saveRollout(_ rollout: Rollout, audit: AuditEntry) async throws
    /// Every rollout, oldest first.
    func rollouts() async throws -> [Rollout]

    /// Audit lines at or after `since` (all when nil), oldest first.
    func audit(since: Timestamp?) async throws -> [AuditEntry]

    // MARK: lifecycle: removing what was created (each removal with its audit line, in one transaction)

    /// Every token, revoked and expired ones included, oldest first.
    func tokens() async throws -> [TokenRecord]
    /// Stores when each token (by hash) last authenticated a request; a later time never goes back.
    /// Called for every request: a caching store buffers the uses and writes them with check-ins.
    func recordTokenUses(_ uses: [String: Timestamp]) async throws
    /// Marks the token whose hash starts with `hashPrefix` revoked at `audit.at`. Throws `notFound` for no
    /// such token (or one already revoked), and `conflict` when it is the last working admin-scope token.
    func revokeToken(hashPrefix: String, audit: AuditEntry) async throws -> TokenRecord
    /// Marks the device decommissioned at `audit.at` and revokes its tokens: it leaves `device(id:)`,
    /// `devices()` and `health`, while its events and audit lines stay. Throws `notFound` for an unknown
    /// or already decommissioned device.
    func decommissionDevice(id: String, audit: AuditEntry) async throws
    /// When the device was decommissioned; nil for a device in the fleet or never enrolled.
    func decommissionedAt(deviceID: String) async throws -> Timestamp?
    /// Replaces a device's reported profile and its labels (the profile's) when the agent reports a change.
    func updateProfile(deviceID: String, profile: DeviceProfile, audit: AuditEntry) async throws
    /// Deletes the variants of `model` at `version` (all variants when `variant` is nil; every version and
    /// the model's assignments when `version` is nil). Returns what was deleted; throws `notFound` for nothing.
    func deleteVersions(model: String, version: SemanticVersion?, variant: String?, audit: AuditEntry) async throws -> [VersionRecord]
    /// Up to `limit` chunks, in digest order after `after`, that no committed version references and that were
    /// recorded at or before `recordedNotAfter`: garbage collection's candidates.
    func unreferencedChunks(recordedNotAfter: Timestamp, after: Digest?, limit: Int) async throws -> [ChunkRecord]
    /// Deletes the records of those `digests` that are still unreferenced and recorded at or before `recordedNotAfter`,
    /// in one transaction (a commit referencing one of them either ran first, and it stays, or runs after and
    /// fails with `missingChunks`). Returns the deleted records; their bytes are the caller's to delete.
    func deleteChunks(_ digests: [Digest], recordedNotAfter: Timestamp) async throws -> [ChunkRecord]
}
