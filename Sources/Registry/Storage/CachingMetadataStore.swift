public import FleetCore
import Synchronization

/// Keeps the hot path of check-ins and chunk downloads in memory, in front of any `MetadataStore`.
///
/// - Chunk forms are cached once read: they never change while recorded (garbage collection through this
///   store drops the ones it deletes).
/// - Tokens, devices, assignments, rollouts and version lists are cached for `ttl` and dropped at once when this process
///   changes them, so one replica sees its own writes immediately and others within `ttl`; an operator's request
///   reads through (`readsThrough`) and sees every replica's writes at once.
/// - Check-ins are write-behind: the latest report of each device is kept and `flush()` writes them all
///   in one transaction (the registry flushes every second and at shutdown). A crash loses at most that
///   much "last seen" information, never a commit, token or chunk.
public final class CachingMetadataStore: MetadataStore {
    private let inner: any MetadataStore
    private let ttl: Duration
    private let clock = ContinuousClock()

    private struct Expiring<Value> {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var tokens: [String: Expiring<TokenRecord>] = [:]
        var chunks: [Digest: ChunkRecord] = [:]
        var devices: [String: Expiring<DeviceRecord>] = [:]
        var assignments: Expiring<[AssignmentRecord]>?
        var versions: [String: Expiring<[VersionRecord]>] = [:]
        var rollouts: Expiring<[Rollout]>?
        var trustDocuments: Expiring<[StoredTrustDocument]>?
        var pendingCheckins: [String: CheckinRecord] = [:]
        /// Token hash → the last request it authenticated, not yet written.
        var pendingTokenUses: [String: Timestamp] = [:]
        /// The last flush started: each flush runs after it, so a flush returns only once every check-in
        /// buffered before it was called is written, even by a flush that was already in flight.
        var lastFlush: Task<Void, any Error>?
    }

    private let state = Mutex(State())
    /// Bounds memory on registries with millions of chunks: past this, the chunk cache starts over.
    private static let maximumCachedChunks = 1_000_000
    /// Past this many cached tokens, the expired entries are dropped (each device has a token).
    private static let maximumCachedTokens = 100_000

    public init(wrapping inner: any MetadataStore, ttl: Duration = .seconds(2)) {
        self.inner = inner
        self.ttl = ttl
    }

    /// Set for the length of an operator's request (`AuthenticationMiddleware`): its reads go to the store,
    /// so an operator sees at once what any replica committed (a push through one replica, then `rollout
    /// create` through the next). Devices' requests, the hot path, keep using the caches.
    @TaskLocal public static var readsThrough = false

    /// The cached value while it is fresh and the current task may use caches.
    private func fresh<Value>(_ entry: Expiring<Value>?) -> Value? {
        guard !Self.readsThrough, let entry, entry.expires > clock.now else { return nil }
        return entry.value
    }

    // MARK: chunks (immutable once recorded)

    public func chunks(_ digests: [Digest]) async throws -> [Digest: ChunkRecord] {
        var found: [Digest: ChunkRecord] = [:]
        let unknown = state.withLock { state in
            digests.filter { digest in
                if let record = state.chunks[digest] {
                    found[digest] = record
                    return false
                }
                return true
            }
        }
        guard !unknown.isEmpty else { return found }
        let loaded = try await inner.chunks(unknown)
        state.withLock { state in
            if state.chunks.count + loaded.count > Self.maximumCachedChunks { state.chunks.removeAll(keepingCapacity: true) }
            state.chunks.merge(loaded) { _, new in new }
        }
        return found.merging(loaded) { _, new in new }
    }

    public func recordChunk(_ chunk: ChunkRecord) async throws -> ChunkRecord {
        let stored = try await inner.recordChunk(chunk)
        state.withLock { $0.chunks[stored.digest] = stored }
        return stored
    }

    public func chunkCount() async throws -> Int { try await inner.chunkCount() }
    public func chunks(after: Digest?, limit: Int) async throws -> [ChunkRecord] { try await inner.chunks(after: after, limit: limit) }

    // MARK: publishers and versions

    public func addPublisher(_ publisher: RegisteredPublisher, audit: AuditEntry) async throws { try await inner.addPublisher(publisher, audit: audit) }
    public func publishers() async throws -> [RegisteredPublisher] { try await inner.publishers() }

    /// Read at every commit and check-in: kept for `ttl`, dropped at once when this process stores one.
    public func trustDocuments(after version: Int) async throws -> [StoredTrustDocument] {
        if let all = state.withLock({ fresh($0.trustDocuments) }) { return all.filter { $0.version > version } }
        let all = try await inner.trustDocuments(after: 0)
        state.withLock { $0.trustDocuments = Expiring(value: all, expires: clock.now + ttl) }
        return all.filter { $0.version > version }
    }

    public func insertTrustDocument(_ document: StoredTrustDocument, audit: AuditEntry) async throws {
        defer { state.withLock { $0.trustDocuments = nil } }
        try await inner.insertTrustDocument(document, audit: audit)
    }

    public func insertVersion(_ version: VersionRecord, audit: AuditEntry) async throws {
        try await inner.insertVersion(version, audit: audit)
        state.withLock { _ = $0.versions.removeValue(forKey: version.model) }
    }

    public func modelNames() async throws -> [String] { try await inner.modelNames() }

    public func versions(of model: String) async throws -> [VersionRecord] {
        if let cached = state.withLock({ fresh($0.versions[model]) }) { return cached }
        let loaded = try await inner.versions(of: model)
        let expires = clock.now + ttl
        state.withLock { $0.versions[model] = Expiring(value: loaded, expires: expires) }
        return loaded
    }

    // MARK: tokens (revocable: cached for `ttl`, so another replica's revocation takes effect within it)

    public func insertToken(_ token: TokenRecord, audit: AuditEntry?) async throws {
        try await inner.insertToken(token, audit: audit)
        let expires = clock.now + ttl
        state.withLock { $0.tokens[token.hash] = Expiring(value: token, expires: expires) }
    }

    public func token(hash: String) async throws -> TokenRecord? {
        if let cached = state.withLock({ fresh($0.tokens[hash]) }) { return cached }
        // Unknown tokens are not cached: a flood of wrong tokens must not grow memory.
        guard let loaded = try await inner.token(hash: hash) else { return nil }
        let expires = clock.now + ttl
        state.withLock { state in
            if state.tokens.count >= Self.maximumCachedTokens { state.tokens = state.tokens.filter { $0.value.expires > clock.now } }
            state.tokens[hash] = Expiring(value: loaded, expires: expires)
        }
        return loaded
    }

    public func hasTokens(of kind: TokenKind) async throws -> Bool { try await inner.hasTokens(of: kind) }

    // MARK: devices

    public func insertDevice(_ device: DeviceRecord) async throws {
        try await inner.insertDevice(device)
        let expires = clock.now + ttl
        state.withLock { $0.devices[device.id] = Expiring(value: device, expires: expires) }
    }

    public func device(id: String) async throws -> DeviceRecord? {
        if let cached = state.withLock({ fresh($0.devices[id]) }) { return cached }
        guard let loaded = try await inner.device(id: id) else { return nil }
        let expires = clock.now + ttl
        state.withLock { $0.devices[id] = Expiring(value: loaded, expires: expires) }
        return loaded
    }

    public func devices() async throws -> [DeviceRecord] {
        try await flush()
        return try await inner.devices()
    }

    public func recordCheckins(_ checkins: [CheckinRecord]) async throws {
        state.withLock { state in
            for checkin in checkins { state.pendingCheckins[checkin.deviceID] = checkin }
        }
    }

    /// Writes buffered check-ins. Called every second by `CheckinFlusher`, at shutdown, and before reads
    /// that must see every report (`health`, `devices`). Flushes run one after another: without that, a
    /// flush called while another was writing found nothing buffered and returned before the reports were
    /// stored, so rollout gates could miss them. The write runs in a task of its own, which a cancelled
    /// caller does not cancel (the database refuses work from a cancelled task).
    public func flush() async throws {
        let task = state.withLock { state in
            let previous = state.lastFlush
            let task = Task { [self] in
                _ = await previous?.result
                try await writePending()
            }
            state.lastFlush = task
            return task
        }
        try await task.value
    }

    private func writePending() async throws {
        try await writeTokenUses()
        let pending = state.withLock { state in
            defer { state.pendingCheckins.removeAll(keepingCapacity: true) }
            return Array(state.pendingCheckins.values)
        }
        guard !pending.isEmpty else { return }
        var failure: (any Error)?
        do { try await inner.recordCheckins(pending) } catch { failure = error }
        if let failure {
            // Put them back unless a newer check-in of the same device arrived meanwhile.
            state.withLock { state in
                for checkin in pending where state.pendingCheckins[checkin.deviceID] == nil {
                    state.pendingCheckins[checkin.deviceID] = checkin
                }
            }
            throw failure
        }
    }

    public func insertEvents(_ events: [RecordedEvent]) async throws { try await inner.insertEvents(events) }
    public func events(deviceID: String) async throws -> [RecordedEvent] { try await inner.events(deviceID: deviceID) }

    // MARK: assignments

    public func setAssignment(_ assignment: AssignmentRecord, audit: AuditEntry) async throws {
        try await inner.setAssignment(assignment, audit: audit)
        state.withLock { $0.assignments = nil }
    }

    public func assignments() async throws -> [AssignmentRecord] {
        if let cached = state.withLock({ fresh($0.assignments) }) { return cached }
        let loaded = try await inner.assignments()
        let expires = clock.now + ttl
        state.withLock { $0.assignments = Expiring(value: loaded, expires: expires) }
        return loaded
    }

    // MARK: labels, health, rollouts, audit

    public func setLabels(deviceID: String, labels: [String: String], audit: AuditEntry) async throws {
        try await inner.setLabels(deviceID: deviceID, labels: labels, audit: audit)
        state.withLock { _ = $0.devices.removeValue(forKey: deviceID) }
    }

    /// Health comes from check-ins, so buffered ones are written first: gates must see every report.
    public func health(model: String?) async throws -> [DeviceVersionHealth] {
        try await flush()
        return try await inner.health(model: model)
    }

    public func health(deviceID: String) async throws -> [DeviceVersionHealth] {
        try await flush()
        return try await inner.health(deviceID: deviceID)
    }

    public func createRollout(_ rollout: Rollout, superseding: Bool, audit: AuditEntry) async throws -> [Rollout] {
        defer { state.withLock { $0.rollouts = nil } }
        return try await inner.createRollout(rollout, superseding: superseding, audit: audit)
    }

    public func saveRollout(_ rollout: Rollout, audit: AuditEntry) async throws {
        defer { state.withLock { $0.rollouts = nil } }
        try await inner.saveRollout(rollout, audit: audit)
    }

    /// Read at every check-in: cached like assignments.
    public func rollouts() async throws -> [Rollout] {
        if let cached = state.withLock({ fresh($0.rollouts) }) { return cached }
        let loaded = try await inner.rollouts()
        let expires = clock.now + ttl
        state.withLock { $0.rollouts = Expiring(value: loaded, expires: expires) }
        return loaded
    }

    public func audit(since: Timestamp?) async throws -> [AuditEntry] { try await inner.audit(since: since) }

    // MARK: lifecycle: each removal drops what this process cached of it at once

    /// Buffered: a request must not wait for a database write to say when its token was used.
    public func recordTokenUses(_ uses: [String: Timestamp]) async throws {
        state.withLock { state in state.pendingTokenUses.merge(uses) { max($0, $1) } }
    }

    /// Lost uses are put back unless newer ones arrived meanwhile; last-use times are informational.
    private func writeTokenUses() async throws {
        let uses = state.withLock { state in
            defer { state.pendingTokenUses.removeAll(keepingCapacity: true) }
            return state.pendingTokenUses
        }
        guard !uses.isEmpty else { return }
        if case .failure(let error) = await AsyncResult.attempt({ try await self.inner.recordTokenUses(uses) }) {
            state.withLock { state in state.pendingTokenUses.merge(uses) { max($0, $1) } }
            throw error
        }
    }

    /// Buffered uses are written first, so the list shows every request made before it.
    public func tokens() async throws -> [TokenRecord] {
        try await flush()
        return try await inner.tokens()
    }

    public func revokeToken(hashPrefix: String, audit: AuditEntry) async throws -> TokenRecord {
        let revoked = try await inner.revokeToken(hashPrefix: hashPrefix, audit: audit)
        state.withLock { _ = $0.tokens.removeValue(forKey: revoked.hash) }
        return revoked
    }

    /// Its last buffered check-in is written first, so the report cannot land after the decommissioning.
    public func decommissionDevice(id: String, audit: AuditEntry) async throws {
        try await flush()
        try await inner.decommissionDevice(id: id, audit: audit)
        state.withLock { state in
            state.devices.removeValue(forKey: id)
            state.pendingCheckins.removeValue(forKey: id)
            state.tokens = state.tokens.filter { $0.value.value.deviceID != id }
        }
    }

    public func decommissionedAt(deviceID: String) async throws -> Timestamp? { try await inner.decommissionedAt(deviceID: deviceID) }

    public func updateProfile(deviceID: String, profile: DeviceProfile, audit: AuditEntry) async throws {
        try await inner.updateProfile(deviceID: deviceID, profile: profile, audit: audit)
        state.withLock { _ = $0.devices.removeValue(forKey: deviceID) }
    }

    public func deleteVersions(model: String, version: SemanticVersion?, variant: String?, audit: AuditEntry) async throws -> [VersionRecord] {
        defer {
            state.withLock { state in
                state.versions.removeValue(forKey: model)
                state.assignments = nil
                state.rollouts = nil
            }
        }
        return try await inner.deleteVersions(model: model, version: version, variant: variant, audit: audit)
    }

    public func unreferencedChunks(recordedNotAfter: Timestamp, after: Digest?, limit: Int) async throws -> [ChunkRecord] {
        try await inner.unreferencedChunks(recordedNotAfter: recordedNotAfter, after: after, limit: limit)
    }

    public func deleteChunks(_ digests: [Digest], recordedNotAfter: Timestamp) async throws -> [ChunkRecord] {
        let deleted = try await inner.deleteChunks(digests, recordedNotAfter: recordedNotAfter)
        state.withLock { state in
            for record in deleted { state.chunks.removeValue(forKey: record.digest) }
        }
        return deleted
    }
}
