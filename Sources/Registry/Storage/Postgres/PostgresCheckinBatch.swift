import FleetCore
import Foundation

/// A flush of check-ins as three JSON documents, so PostgreSQL stores the whole batch in four statements
/// (`json_to_recordset`) instead of one round trip per device and per reported model: at a million devices
/// checking in every five minutes, a replica flushes thousands of check-ins a second.
///
/// The rows mean what the SQLite store's statement-by-statement loop leaves behind: a device's last check-in in
/// the batch is its last sighting, and every report's install and inference rows are kept (the later one of the
/// same device, model and version winning). Rows are sorted by key, so two replicas flushing overlapping batches
/// take row locks in the same order. JSON keys are lower case: PostgreSQL folds the unquoted column names of the
/// record definitions, and `json_to_recordset` matches keys exactly.
struct PostgresCheckinBatch {
    struct Sighting: Encodable {
        var id: String
        var at: Int64
        var report: String
    }

    struct Install: Encodable {
        var device: String
        var model: String
        var version: String
        var install: String
        var selftest: String?
        var message: String?
        var at: Int64
    }

    struct Stats: Encodable {
        var device: String
        var model: String
        var version: String
        var inferences: Int64
        var errors: Int64
        var p50: Double?
        var p95: Double?
        var at: Int64
    }

    var sightings: [Sighting] = []
    var installs: [Install] = []
    var stats: [Stats] = []

    init(_ checkins: [CheckinRecord]) throws {
        var sightings: [String: Sighting] = [:]
        var installs: [[String]: Install] = [:]
        var stats: [[String]: Stats] = [:]
        for checkin in checkins {
            let (id, at) = (checkin.deviceID, checkin.at.secondsSinceEpoch)
            sightings[id] = Sighting(id: id, at: at, report: try StableJSON.encode(checkin.report))
            for report in checkin.report.installs {
                installs[[id, report.model, report.version.description]] = Install(
                    device: id, model: report.model, version: report.version.description, install: report.result.rawValue,
                    selftest: report.selfTest?.rawValue, message: report.message, at: at)
            }
            for report in checkin.report.stats {
                stats[[id, report.model, report.version.description]] = Stats(
                    device: id, model: report.model, version: report.version.description, inferences: Int64(clamping: report.count),
                    errors: Int64(clamping: report.errors), p50: report.latencyP50Milliseconds, p95: report.latencyP95Milliseconds, at: at)
            }
        }
        self.sightings = sightings.values.sorted { $0.id < $1.id }
        self.installs = installs.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
        self.stats = stats.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
    }

    /// The device ids, sorted: the rows the flush locks first.
    var deviceIDs: [String] { sightings.map(\.id) }

    static func json<Row: Encodable>(_ rows: [Row]) throws -> String {
        String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }
}
