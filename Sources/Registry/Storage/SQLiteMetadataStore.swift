public import FleetCore
import Foundation
import GRDB

/// The embedded metadata store: one SQLite file in WAL mode (readers never wait for the writer).
///
/// Every method is one transaction, so a crash or `kill -9` leaves it whole or absent; a version
/// row and its manifest are written together or not at all.
public final class SQLiteMetadataStore: MetadataStore {
    let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    /// `pool.write`, with the commit inside the mapped block: a disk that fills up during the
    /// transaction or at its commit is `StorageError.full`, not a generic 500.
    func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            try StorageFailure.mappingFullDatabase {
                var result: T?
                try db.inTransaction {
                    result = try updates(db)
                    return .commit
                }
                guard let result else { throw StorageError.unavailable("a database transaction returned no result") }
                return result
            }
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE chunks (digest TEXT PRIMARY KEY, length INTEGER NOT NULL, storedLength INTEGER NOT NULL, codec TEXT NOT NULL);
                    CREATE TABLE publishers (keyID TEXT PRIMARY KEY, publicKeyPEM TEXT NOT NULL, registeredAt INTEGER NOT NULL);
                    CREATE TABLE versions (
                        model TEXT NOT NULL, version TEXT NOT NULL, variant TEXT NOT NULL,
                        manifestDigest TEXT NOT NULL, manifest BLOB NOT NULL, publisher TEXT NOT NULL,
                        createdAt INTEGER NOT NULL, committedAt INTEGER NOT NULL, totalSize INTEGER NOT NULL, storedSize INTEGER NOT NULL,
                        PRIMARY KEY (model, version, variant));
                    CREATE TABLE tokens (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, scopes TEXT NOT NULL, deviceID TEXT, label TEXT NOT NULL, createdAt INTEGER NOT NULL);
                    CREATE TABLE devices (id TEXT PRIMARY KEY, profile TEXT NOT NULL, labels TEXT NOT NULL, enrolledAt INTEGER NOT NULL, lastSeenAt INTEGER, lastCheckin TEXT);
                    CREATE TABLE assignments (model TEXT NOT NULL, selector TEXT NOT NULL, version TEXT, variant TEXT, updatedAt INTEGER NOT NULL, PRIMARY KEY (model, selector));
                    CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, deviceID TEXT NOT NULL, receivedAt INTEGER NOT NULL, event TEXT NOT NULL);
                    CREATE INDEX events_by_device ON events(deviceID, id);
                    """)
        }
        migrator.registerMigration("v2 rollouts") { db in
            // Rollouts are stored whole as JSON (the registry never queries inside them); model and state
            // are columns so the one-in-flight-per-model check is one indexed query.
            try db.execute(
                sql: """
                    CREATE TABLE device_health (
                        deviceID TEXT NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL,
                        install TEXT, selfTest TEXT, message TEXT,
                        inferences INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0, p50 REAL, p95 REAL,
                        updatedAt INTEGER NOT NULL,
                        PRIMARY KEY (deviceID, model, version));
                    CREATE INDEX device_health_by_model ON device_health(model, version);
                    CREATE TABLE rollouts (id TEXT PRIMARY KEY, model TEXT NOT NULL, state TEXT NOT NULL, revision INTEGER NOT NULL,
                        createdAt INTEGER NOT NULL, body TEXT NOT NULL);
                    CREATE INDEX rollouts_by_model ON rollouts(model, state);
                    CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
                        action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL);
                    CREATE INDEX audit_by_time ON audit(at, id);
                    """)
        }
        migrator.registerMigration("v3 variant requirements") { db in
            try db.execute(sql: "ALTER TABLE versions ADD COLUMN requirements TEXT")
        }
        migrator.registerMigration("v4 held versions") { db in
            try db.execute(sql: "ALTER TABLE versions ADD COLUMN held INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v5 lifecycle", migrate: LifecycleSchema.migrate)
        migrator.registerMigration("v6 trust documents") { db in
            try db.execute(sql: "CREATE TABLE trust_documents (version INTEGER PRIMARY KEY, document BLOB NOT NULL, acceptedAt INTEGER NOT NULL)")
        }
        return migrator
    }

    // MARK: chunks

    public func chunks(_ digests: [Digest]) async throws -> [Digest: ChunkRecord] {
        guard !digests.isEmpty else { return [:] }
        return try await pool.read { db in
            var found: [Digest: ChunkRecord] = [:]
            // SQLite limits bound parameters per statement; 500 keeps well under it.
            for batch in stride(from: 0, to: digests.count, by: 500).map({ digests[$0..<min($0 + 500, digests.count)] }) {
                let marks = Array(repeating: "?", count: batch.count).joined(separator: ",")
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM chunks WHERE digest IN (\(marks))", arguments: StatementArguments(batch.map(\.description)))
                for row in rows {
                    let record = try StoredRecords.chunk(row)
                    found[record.digest] = record
                }
            }
            return found
        }
    }

    public func recordChunk(_ chunk: ChunkRecord) async throws -> ChunkRecord {
        try await write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO chunks (digest, length, storedLength, codec, recordedAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [chunk.digest.description, chunk.length, chunk.storedLength, chunk.codec.description, Timestamp.now().secondsSinceEpoch]
            )
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM chunks WHERE digest = ?", arguments: [chunk.digest.description]) else {
                throw StorageError.unavailable("chunk \(chunk.digest) vanished after insert")
            }
            return try StoredRecords.chunk(row)
        }
    }

    public func chunkCount() async throws -> Int {
        try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM chunks") ?? 0 }
    }

    public func chunks(after: Digest?, limit: Int) async throws -> [ChunkRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM chunks WHERE digest > ? ORDER BY digest LIMIT ?", arguments: [after?.description ?? "", limit])
                .map(StoredRecords.chunk)
        }
    }

    // MARK: publishers

    public func addPublisher(_ publisher: RegisteredPublisher, audit: AuditEntry) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO publishers (keyID, publicKeyPEM, registeredAt) VALUES (?, ?, ?)",
                arguments: [publisher.keyID, publisher.publicKeyPEM, publisher.registeredAt.secondsSinceEpoch]
            )
            try Self.insert(audit, db)
        }
    }

    public func trustDocuments(after version: Int) async throws -> [StoredTrustDocument] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM trust_documents WHERE version > ? ORDER BY version", arguments: [version]).map(StoredRecords.trustDocument)
        }
    }

    public func insertTrustDocument(_ document: StoredTrustDocument, audit: AuditEntry) async throws {
        try await write { db in
            let newest = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM trust_documents")
            if let newest, document.version <= newest { throw StoreRefusals.trustDocumentNotNewer(document.version, newest: newest) }
            try db.execute(
                sql: "INSERT INTO trust_documents (version, document, acceptedAt) VALUES (?, ?, ?)",
                arguments: [document.version, Data(document.bytes), document.acceptedAt.secondsSinceEpoch])
            try Self.insert(audit, db)
        }
    }

    public func publishers() async throws -> [RegisteredPublisher] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM publishers ORDER BY keyID").map(StoredRecords.publisher)
        }
    }

    // MARK: versions

    public func insertVersion(_ version: VersionRecord, audit: AuditEntry) async throws {
        let requirements = try version.requirements.map(StableJSON.encode)
        let digests = try version.chunkDigests()
        try await write { db in
            let exists =
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM versions WHERE model = ? AND version = ? AND variant = ?",
                    arguments: [version.model, version.version.description, version.variant]) ?? false
            guard !exists else { throw StoreRefusals.versionExists(version) }
            try db.execute(
                sql: """
                    INSERT INTO versions (model, version, variant, manifestDigest, manifest, publisher, createdAt, committedAt, totalSize, storedSize, requirements, held)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    version.model, version.version.description, version.variant, version.manifestDigest.description,
                    Data(version.manifest), version.publisher, version.createdAt.secondsSinceEpoch,
                    version.committedAt.secondsSinceEpoch, Int64(version.totalSize), Int64(version.storedSize), requirements, version.held
                ])
            try LifecycleSchema.referenceChunks(digests, of: version, db)
            try Self.insert(audit, db)
        }
    }

    public func modelNames() async throws -> [String] {
        try await pool.read { try String.fetchAll($0, sql: "SELECT DISTINCT model FROM versions ORDER BY model") }
    }

    public func versions(of model: String) async throws -> [VersionRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM versions WHERE model = ? ORDER BY version, variant", arguments: [model]).map(StoredRecords.version)
        }
    }

    // MARK: tokens

    public func insertToken(_ token: TokenRecord, audit: AuditEntry?) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO tokens (hash, kind, scopes, deviceID, label, createdAt, expiresAt, revokedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    token.hash, token.kind.rawValue, StoredRecords.scopesColumn(token.scopes), token.deviceID, token.label,
                    token.createdAt.secondsSinceEpoch, token.expiresAt?.secondsSinceEpoch, token.revokedAt?.secondsSinceEpoch
                ]
            )
            if let audit { try Self.insert(audit, db) }
        }
    }

    public func token(hash: String) async throws -> TokenRecord? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM tokens WHERE hash = ?"), arguments: [hash]).map(StoredRecords.token)
        }
    }

    public func hasTokens(of kind: TokenKind) async throws -> Bool {
        try await pool.read { try Bool.fetchOne($0, sql: "SELECT 1 FROM tokens WHERE kind = ? LIMIT 1", arguments: [kind.rawValue]) ?? false }
    }

    // MARK: devices

    public func insertDevice(_ device: DeviceRecord) async throws {
        let profile = try StableJSON.encode(device.profile)
        let labels = try StableJSON.encode(device.labels)
        try await write { db in
            try db.execute(
                sql: "INSERT INTO devices (id, profile, labels, enrolledAt) VALUES (?, ?, ?, ?)",
                arguments: [device.id, profile, labels, device.enrolledAt.secondsSinceEpoch]
            )
        }
    }

    public func device(id: String) async throws -> DeviceRecord? {
        try await pool.read { db in
            // Cached statements: read for every device and token each cache period; compiling them was 3% of a check-in.
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM devices WHERE id = ? AND decommissionedAt IS NULL"), arguments: [id])
                .map(StoredRecords.device)
        }
    }

    public func devices() async throws -> [DeviceRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM devices WHERE decommissionedAt IS NULL ORDER BY id").map(StoredRecords.device) }
    }

    /// Also keeps each reported install result and inference counters per device and version: a device
    /// reports only its latest install per model, so the table is what remembers earlier versions.
    public func recordCheckins(_ checkins: [CheckinRecord]) async throws {
        let rows = try checkins.map { ($0.deviceID, $0.at.secondsSinceEpoch, try StableJSON.encode($0.report), $0.report) }
        try await write { db in
            for (id, at, text, report) in rows {
                try db.execute(sql: "UPDATE devices SET lastSeenAt = ?, lastCheckin = ? WHERE id = ?", arguments: [at, text, id])
                for install in report.installs {
                    try db.execute(
                        sql: """
                            INSERT INTO device_health (deviceID, model, version, install, selfTest, message, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (deviceID, model, version) DO UPDATE SET
                                install = excluded.install, selfTest = excluded.selfTest, message = excluded.message, updatedAt = excluded.updatedAt
                            """,
                        arguments: [id, install.model, install.version.description, install.result.rawValue, install.selfTest?.rawValue, install.message, at])
                }
                for stats in report.stats {
                    try db.execute(
                        sql: """
                            INSERT INTO device_health (deviceID, model, version, inferences, errors, p50, p95, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (deviceID, model, version) DO UPDATE SET
                                inferences = excluded.inferences, errors = excluded.errors, p50 = excluded.p50, p95 = excluded.p95, updatedAt = excluded.updatedAt
                            """,
                        arguments: [
                            id, stats.model, stats.version.description, Int64(clamping: stats.count), Int64(clamping: stats.errors),
                            stats.latencyP50Milliseconds, stats.latencyP95Milliseconds, at
                        ])
                }
            }
        }
    }

    public func insertEvents(_ events: [RecordedEvent]) async throws {
        let rows = try events.map { ($0.deviceID, $0.receivedAt.secondsSinceEpoch, try StableJSON.encode($0.event)) }
        try await write { db in
            for row in rows {
                try db.execute(sql: "INSERT INTO events (deviceID, receivedAt, event) VALUES (?, ?, ?)", arguments: [row.0, row.1, row.2])
            }
        }
    }

    public func events(deviceID: String) async throws -> [RecordedEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE deviceID = ? ORDER BY id", arguments: [deviceID]).map(StoredRecords.event)
        }
    }

    // MARK: assignments

    public func setAssignment(_ assignment: AssignmentRecord, audit: AuditEntry) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO assignments (model, selector, version, variant, updatedAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    assignment.model, assignment.selector.description, assignment.version?.description, assignment.variant,
                    assignment.updatedAt.secondsSinceEpoch
                ]
            )
            try Self.insert(audit, db)
        }
    }

    public func assignments() async throws -> [AssignmentRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM assignments ORDER BY model, selector").map(StoredRecords.assignment)
        }
    }
}

// MARK: labels, health, rollouts, audit

extension SQLiteMetadataStore {
    public func setLabels(deviceID: String, labels: [String: String], audit: AuditEntry) async throws {
        let text = try StableJSON.encode(labels)
        try await write { db in
            try db.execute(sql: "UPDATE devices SET labels = ? WHERE id = ? AND decommissionedAt IS NULL", arguments: [text, deviceID])
            guard db.changesCount > 0 else { throw StoreRefusals.deviceNotEnrolled(deviceID) }
            try Self.insert(audit, db)
        }
    }

    /// Health rows of devices still in the fleet: a decommissioned device's reports stop counting in
    /// rollout gates and fleet status (its events and audit lines stay).
    static let serving = "deviceID NOT IN (SELECT id FROM devices WHERE decommissionedAt IS NOT NULL)"

    public func health(model: String?) async throws -> [DeviceVersionHealth] {
        try await pool.read { db in
            let rows =
                if let model {
                    try Row.fetchAll(db, sql: "SELECT * FROM device_health WHERE model = ? AND \(Self.serving) ORDER BY deviceID, version", arguments: [model])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM device_health WHERE \(Self.serving) ORDER BY model, deviceID, version")
                }
            return try rows.map(StoredRecords.health)
        }
    }

    public func health(deviceID: String) async throws -> [DeviceVersionHealth] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM device_health WHERE deviceID = ? ORDER BY model, version", arguments: [deviceID]).map(StoredRecords.health)
        }
    }

    public func createRollout(_ rollout: Rollout, superseding: Bool, audit: AuditEntry) async throws -> [Rollout] {
        let body = try StableJSON.encode(rollout)
        return try await write { db in
            let inFlight = try Self.inFlightRollouts(model: rollout.model, db)
            if !inFlight.isEmpty, !superseding { throw StoreRefusals.rolloutsInFlight(model: rollout.model, inFlight.map(\.id)) }
            var superseded: [Rollout] = []
            for old in inFlight {
                let (ended, line) = StoreRules.superseded(old, by: rollout, audit: audit)
                try Self.update(ended, db)
                try Self.insert(line, db)
                superseded.append(ended)
            }
            try db.execute(
                sql: "INSERT INTO rollouts (id, model, state, revision, createdAt, body) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [rollout.id, rollout.model, rollout.state.rawValue, rollout.revision, rollout.createdAt.secondsSinceEpoch, body])
            try Self.insert(audit, db)
            return superseded
        }
    }

    public func saveRollout(_ rollout: Rollout, audit: AuditEntry) async throws {
        try await write { db in
            try Self.update(rollout, db)
            guard db.changesCount > 0 else {
                let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM rollouts WHERE id = ?", arguments: [rollout.id]) ?? false
                throw exists ? StoreRefusals.rolloutChanged(rollout) : StoreRefusals.noRollout(rollout.id)
            }
            try Self.insert(audit, db)
        }
    }

    /// Stores `rollout` as its next revision if the stored one is still `rollout.revision`.
    static func update(_ rollout: Rollout, _ db: Database) throws {
        var next = rollout
        next.revision += 1
        try db.execute(
            sql: "UPDATE rollouts SET state = ?, revision = ?, body = ? WHERE id = ? AND revision = ?",
            arguments: [next.state.rawValue, next.revision, try StableJSON.encode(next), rollout.id, rollout.revision])
    }

    public func rollouts() async throws -> [Rollout] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT body FROM rollouts ORDER BY createdAt, rowid").map(StoredRecords.rollout) }
    }

    /// The model's active and paused rollouts, oldest first.
    static func inFlightRollouts(model: String, _ db: Database) throws -> [Rollout] {
        let states = StoreRules.inFlightStates
        return try Row.fetchAll(
            db, sql: "SELECT body FROM rollouts WHERE model = ? AND state IN (\(states.map { _ in "?" }.joined(separator: ","))) ORDER BY createdAt, rowid",
            arguments: StatementArguments([model] + states)
        ).map(StoredRecords.rollout)
    }

    static func insert(_ entry: AuditEntry, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [entry.at.secondsSinceEpoch, entry.actor, entry.action, entry.subject, entry.detail])
    }

    public func audit(since: Timestamp?) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE at >= ? ORDER BY id", arguments: [since?.secondsSinceEpoch ?? Int64.min]).map(
                StoredRecords.audit)
        }
    }
}
