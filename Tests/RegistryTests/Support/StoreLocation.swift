import FleetCore
import Foundation
import GRDB
import Logging
import TestPostgres
import Testing

@testable import Registry

/// The metadata stores the conformance suite runs against: every store test takes one of these as its argument.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// Where one test's store lives, not yet opened: a new SQLite file, or a new database on the test run's
/// PostgreSQL server (`TestPostgres`). Opening it twice is a restart, or a second replica on the same data.
struct StoreLocation: Sendable {
    let kind: StoreKind
    /// The SQLite file's path, or the database's URL.
    let address: String

    static func fresh(_ kind: StoreKind) async throws -> StoreLocation {
        switch kind {
        case .sqlite:
            StoreLocation(kind: kind, address: FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path)
        case .postgres:
            StoreLocation(kind: kind, address: try await TestPostgres.freshDatabase())
        }
    }

    /// A new, migrated, empty store of `kind`.
    static func store(_ kind: StoreKind) async throws -> (any MetadataStore, StoreLocation) {
        let location = try await fresh(kind)
        return (try await location.open(), location)
    }

    /// Opens a store here; the first open creates the schema.
    func open() async throws -> any MetadataStore {
        switch kind {
        case .sqlite:
            return try SQLiteMetadataStore(path: address)
        case .postgres:
            var logger = Logger(label: "store-test")
            logger.logLevel = .warning
            return try await PostgresMetadataStore.connect(to: try PostgresLocation(parsing: address), logger: logger)
        }
    }

    /// Makes every audit insert fail from now on, with a trigger, as a full disk or a broken audit table would.
    func refuseAuditLines() async throws {
        switch kind {
        case .sqlite:
            let database = try DatabaseQueue(path: address)
            try await database.write { db in
                try db.execute(sql: "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit refused by test'); END")
            }
            try database.close()
        case .postgres:
            try await TestPostgres.execute(
                "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused by test'; END $$",
                on: address)
            try await TestPostgres.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION refuse_audit()", on: address)
        }
    }

    /// Deletes a SQLite store's files (a PostgreSQL database goes with the test run's server).
    func remove() {
        guard kind == .sqlite else { return }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: address + suffix) }
    }
}

/// Records the store tests build from.
enum StoreSamples {
    static let now = Timestamp(secondsSinceEpoch: 1_800_000_000)
    static let v1 = SemanticVersion(major: 1, minor: 0, patch: 0)
    static let v2 = SemanticVersion(major: 2, minor: 0, patch: 0)

    static func at(_ offset: Int64) -> Timestamp { Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + offset) }

    static func audit(_ action: String, subject: String = "s", at offset: Int64 = 0) -> AuditEntry {
        AuditEntry(at: at(offset), actor: "test", action: action, subject: subject, detail: "")
    }

    static func profile(_ arch: String = "x86_64") -> DeviceProfile {
        DeviceProfile(arch: arch, ramBytes: 1, diskBytes: 1, engineVersion: "0")
    }

    static func device(_ id: String, labels: [String: String] = [:]) -> DeviceRecord {
        DeviceRecord(id: id, profile: profile(), labels: labels, enrolledAt: now)
    }

    static func rollout(_ id: String, model: String = "m", version: SemanticVersion = v2, at offset: Int64 = 0) -> Rollout {
        Rollout(
            id: id, model: model, version: version, previousVersion: v1, selector: "", stages: [50, 100], soakSeconds: 0, gates: RolloutGates(),
            stageStartedAt: at(offset), createdAt: at(offset), createdBy: "test")
    }

    /// Ten identity-coded bytes, different for each `seed`.
    static func chunkBytes(_ seed: Int) -> [UInt8] { (0..<10).map { UInt8(truncatingIfNeeded: seed &* 31 &+ $0) } }

    static func chunk(_ seed: Int) -> ChunkRecord {
        ChunkRecord(digest: Digest.of(chunkBytes(seed)), length: 10, storedLength: 10, codec: .identity)
    }

    static func token(_ name: String, kind: TokenKind = .admin, scopes: [Scope] = [.admin], deviceID: String? = nil) -> TokenRecord {
        TokenRecord(hash: Digest.of(Array(name.utf8)).hex, kind: kind, scopes: scopes, deviceID: deviceID, label: name, createdAt: now)
    }

    /// A version whose one file is made of the chunks `seeds`, with a manifest that names them.
    static func version(_ model: String = "m", _ version: SemanticVersion = v1, variant: String = "default", chunks seeds: [Int]) throws -> VersionRecord {
        var offset: UInt64 = 0
        let chunks = seeds.map { seed in
            defer { offset += 10 }
            return Manifest.Chunk(offset: offset, length: 10, storedLength: 10, codec: .identity, digest: Digest.of(chunkBytes(seed)))
        }
        let file = Manifest.File(
            path: "model.onnx", size: offset, digest: Digest.of(seeds.flatMap(chunkBytes)), chunking: .init(mode: .plain, parameters: .standard),
            chunks: chunks)
        let manifest = Manifest(model: model, version: version, variant: variant, files: [file], createdAt: now, publisher: "k1")
        let bytes = try ManifestCoding.encode(manifest)
        return VersionRecord(
            model: model, version: version, variant: variant, manifestDigest: Digest.of(bytes), manifest: bytes, publisher: "k1", createdAt: now,
            committedAt: now, totalSize: offset, storedSize: offset)
    }
}
