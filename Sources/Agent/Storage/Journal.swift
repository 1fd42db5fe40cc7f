import FleetCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent's persisted memory: where each model's sync stands, and events not yet reported.
///
/// Every phase change is committed before the work of the next phase starts, so after a crash,
/// `kill -9` or power loss the next start resumes from the last committed phase.
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
        var detail: String
    }

    private let database: SQLiteDatabase
    private let lock = PThreadMutex()

    init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try database.execute("""
            CREATE TABLE IF NOT EXISTS syncs (model TEXT PRIMARY KEY, version TEXT NOT NULL, variant TEXT NOT NULL,
                manifestDigest TEXT NOT NULL, phase TEXT NOT NULL, detail TEXT NOT NULL, updatedAt INTEGER NOT NULL)
            """)
        try database.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)")
        try database.execute("""
            CREATE TABLE IF NOT EXISTS inference_stats (model TEXT NOT NULL, version TEXT NOT NULL, count INTEGER NOT NULL,
                errors INTEGER NOT NULL, latency TEXT NOT NULL, PRIMARY KEY (model, version))
            """)
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
                      let count = row[2].flatMap({ UInt64($0) }), let errors = row[3].flatMap({ UInt64($0) }) else { return nil }
                return StatsRecord(model: model, version: version, count: count, errors: errors, latency: row[4] ?? "")
            }
        }
    }

    func record(_ sync: SyncRecord) throws {
        try lock.withLock {
            try database.execute(
                "INSERT OR REPLACE INTO syncs (model, version, variant, manifestDigest, phase, detail, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [sync.model, sync.version.description, sync.variant, sync.manifestDigest.description, sync.phase.rawValue, sync.detail, String(Timestamp.now().secondsSinceEpoch)]
            )
        }
    }

    func sync(for model: String) throws -> SyncRecord? {
        try lock.withLock {
            guard let row = try database.execute("SELECT model, version, variant, manifestDigest, phase, detail FROM syncs WHERE model = ?", [model]).first,
                  let model = row[0], let version = row[1], let variant = row[2], let digest = row[3], let phase = row[4].flatMap(Phase.init(rawValue:))
            else { return nil }
            return SyncRecord(model: model, version: try SemanticVersion(parsing: version), variant: variant,
                              manifestDigest: try Digest(parsing: digest), phase: phase, detail: row[5] ?? "")
        }
    }

    /// Where every model's latest sync stands.
    func syncs() throws -> [SyncRecord] {
        try lock.withLock {
            try database.execute("SELECT model, version, variant, manifestDigest, phase, detail FROM syncs ORDER BY model").compactMap { row in
                guard let model = row[0], let version = row[1].flatMap({ try? SemanticVersion(parsing: $0) }), let variant = row[2],
                      let digest = row[3].flatMap({ try? Digest(parsing: $0) }), let phase = row[4].flatMap(Phase.init(rawValue:))
                else { return nil }
                return SyncRecord(model: model, version: version, variant: variant, manifestDigest: digest, phase: phase, detail: row[5] ?? "")
            }
        }
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
