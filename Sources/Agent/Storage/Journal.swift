import FleetCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent's persisted memory: where each model's sync stands, and events not yet reported.
///
/// Every phase change is committed before the work of the next phase starts, so after a crash,
/// `kill -9` or power loss the next start resumes from the last committed phase. A write that cannot
/// be committed throws: the sync stops rather than running ahead of what the journal remembers.
final class Journal: @unchecked Sendable {
    /// The steps of one sync, in order.
    enum Phase: String, Sendable {
        case planned, downloaded, staged, activated, failed
    }

    struct SyncRecord: Equatable, Sendable {
        var model: String
        var version: SemanticVersion
        var variant: String
        var manifestDigest: Digest
        var phase: Phase
        /// What the self-test said; nil while it has not run (or when the sync failed before it).
        var selfTest: InstallReport.SelfTest?
        /// For people (the event log, `status`); decisions read `phase` and `selfTest`.
        var detail: String
    }

    private let database: SQLiteDatabase
    private let lock = PThreadMutex()

    init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try JournalSchema.prepare(database)
    }

    /// Served-request counters of one model version, as the journal keeps them across restarts.
    struct StatsRecord: Equatable, Sendable {
        var model: String
        var version: SemanticVersion
        var count: UInt64
        var errors: UInt64
        /// `LatencyHistogram.encoded`.
        var latency: String
    }

    func saveStats(_ records: [StatsRecord]) throws {
        try lock.withLock {
            try database.transaction {
                for record in records {
                    _ = try database.execute(
                        "INSERT OR REPLACE INTO inference_stats (model, version, count, errors, latency) VALUES (?, ?, ?, ?, ?)",
                        [record.model, record.version.description, String(record.count), String(record.errors), record.latency])
                }
            }
        }
    }

    func loadStats() throws -> [StatsRecord] {
        try lock.withLock {
            try database.execute("SELECT model, version, count, errors, latency FROM inference_stats").compactMap { row in
                guard let model = row[0], let version = row[1].flatMap({ try? SemanticVersion(parsing: $0) }),
                    let count = row[2].flatMap({ UInt64($0) }), let errors = row[3].flatMap({ UInt64($0) })
                else { return nil }
                return StatsRecord(model: model, version: version, count: count, errors: errors, latency: row[4] ?? "")
            }
        }
    }

    /// Commits where a sync stands and, in the same transaction, the event that reports it: the
    /// registry never hears of a phase the journal does not hold, nor the other way round.
    func record(_ sync: SyncRecord, reporting event: DeviceEvent? = nil) throws {
        let eventText = try event.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try lock.withLock {
            try database.transaction {
                try database.execute(
                    "INSERT OR REPLACE INTO syncs (model, version, variant, manifestDigest, phase, selfTest, detail, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        sync.model, sync.version.description, sync.variant, sync.manifestDigest.description, sync.phase.rawValue,
                        sync.selfTest?.rawValue, sync.detail, String(Timestamp.now().secondsSinceEpoch)
                    ])
                if let eventText { try database.execute("INSERT INTO events (event) VALUES (?)", [eventText]) }
            }
        }
    }

    private static let syncColumns = "model, version, variant, manifestDigest, phase, selfTest, detail"

    func sync(for model: String) throws -> SyncRecord? {
        try lock.withLock {
            try database.execute("SELECT \(Self.syncColumns) FROM syncs WHERE model = ?", [model]).first.map(syncRecord)
        }
    }

    /// Where every model's latest sync stands.
    func syncs() throws -> [SyncRecord] {
        try lock.withLock {
            try database.execute("SELECT \(Self.syncColumns) FROM syncs ORDER BY model").map(syncRecord)
        }
    }

    /// A row the agent cannot read is an error naming it, not a sync silently forgotten.
    private func syncRecord(_ row: [String?]) throws -> SyncRecord {
        func unreadable(_ column: String, _ value: String?) -> FleetError {
            .io(path: database.path, operation: "read the sync of '\(row[0] ?? "?")': \(column) is \(value.map { "'\($0)'" } ?? "NULL")", errno: 5)
        }
        guard let model = row[0] else { throw unreadable("model", nil) }
        guard let version = row[1].flatMap({ try? SemanticVersion(parsing: $0) }) else { throw unreadable("version", row[1]) }
        guard let variant = row[2] else { throw unreadable("variant", nil) }
        guard let digest = row[3].flatMap({ try? Digest(parsing: $0) }) else { throw unreadable("manifestDigest", row[3]) }
        guard let phase = row[4].flatMap(Phase.init(rawValue:)) else { throw unreadable("phase", row[4]) }
        var selfTest: InstallReport.SelfTest?
        if let text = row[5] {
            guard let outcome = InstallReport.SelfTest(rawValue: text) else { throw unreadable("selfTest", text) }
            selfTest = outcome
        }
        return SyncRecord(
            model: model, version: version, variant: variant, manifestDigest: digest,
            phase: phase, selfTest: selfTest, detail: row[6] ?? "")
    }

    /// Queues an event for the registry; it stays queued (across restarts) until `acknowledge`.
    func enqueue(_ event: DeviceEvent) throws {
        let text = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
        try lock.withLock { _ = try database.execute("INSERT INTO events (event) VALUES (?)", [text]) }
    }

    /// The oldest queued events with their ids.
    func pendingEvents(limit: Int = 100) throws -> [(id: String, event: DeviceEvent)] {
        try lock.withLock {
            try database.execute("SELECT id, event FROM events ORDER BY id LIMIT ?", [String(limit)]).compactMap { row in
                guard let id = row[0], let text = row[1] else { return nil }
                return (id, try JSONDecoder().decode(DeviceEvent.self, from: Data(text.utf8)))
            }
        }
    }

    func acknowledge(upTo id: String) throws {
        try lock.withLock { _ = try database.execute("DELETE FROM events WHERE id <= ?", [id]) }
    }
}
