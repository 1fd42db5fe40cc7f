public import FleetCore
import Foundation
import GRDB

/// Revoking tokens, decommissioning devices, deleting versions and collecting unreferenced chunks
/// (`MetadataStore`'s lifecycle section). Kept apart from the creating side so each file stays one concept.
extension SQLiteMetadataStore {
    public func tokens() async throws -> [TokenRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY createdAt, rowid").map(StoredRecords.token) }
    }

    public func recordTokenUses(_ uses: [String: Timestamp]) async throws {
        guard !uses.isEmpty else { return }
        try await write { db in
            for (hash, at) in uses {
                try db.execute(
                    sql: "UPDATE tokens SET lastUsedAt = ? WHERE hash = ? AND (lastUsedAt IS NULL OR lastUsedAt < ?)",
                    arguments: [at.secondsSinceEpoch, hash, at.secondsSinceEpoch])
            }
        }
    }

    public func revokeToken(hashPrefix: String, audit: AuditEntry) async throws -> TokenRecord {
        try await write { db in
            let candidates = try Row.fetchAll(
                db, sql: "SELECT * FROM tokens WHERE substr(hash, 1, ?) = ? AND revokedAt IS NULL", arguments: [hashPrefix.count, hashPrefix]
            ).map(StoredRecords.token)
            let admins = try Row.fetchAll(db, sql: "SELECT * FROM tokens WHERE kind = 'admin' AND revokedAt IS NULL").map(StoredRecords.token)
            var token = try StoreRules.tokenToRevoke(candidates, hashPrefix: hashPrefix, unrevokedAdmins: admins, at: audit.at)
            try db.execute(sql: "UPDATE tokens SET revokedAt = ? WHERE hash = ?", arguments: [audit.at.secondsSinceEpoch, token.hash])
            try Self.insert(audit, db)
            token.revokedAt = audit.at
            return token
        }
    }

    public func decommissionDevice(id: String, audit: AuditEntry) async throws {
        try await write { db in
            let at = audit.at.secondsSinceEpoch
            try db.execute(sql: "UPDATE devices SET decommissionedAt = ? WHERE id = ? AND decommissionedAt IS NULL", arguments: [at, id])
            guard db.changesCount > 0 else { throw StoreRefusals.deviceNotInFleet(id) }
            try db.execute(sql: "UPDATE tokens SET revokedAt = ? WHERE kind = 'device' AND deviceID = ? AND revokedAt IS NULL", arguments: [at, id])
            try Self.insert(audit, db)
        }
    }

    public func decommissionedAt(deviceID: String) async throws -> Timestamp? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT decommissionedAt FROM devices WHERE id = ?", arguments: [deviceID]).map(Timestamp.init(secondsSinceEpoch:))
        }
    }

    public func updateProfile(deviceID: String, profile: DeviceProfile, audit: AuditEntry) async throws {
        let (profileText, labelsText) = (try StableJSON.encode(profile), try StableJSON.encode(profile.labels))
        try await write { db in
            try db.execute(
                sql: "UPDATE devices SET profile = ?, labels = ? WHERE id = ? AND decommissionedAt IS NULL", arguments: [profileText, labelsText, deviceID])
            guard db.changesCount > 0 else { throw StoreRefusals.deviceNotEnrolled(deviceID) }
            try Self.insert(audit, db)
        }
    }

    public func deleteVersions(model: String, version: SemanticVersion?, variant: String?, audit: AuditEntry) async throws -> [VersionRecord] {
        let doomed = try StoreRules.doomed(try await versions(of: model), model: model, version: version, variant: variant)
        try await write { db in
            for record in doomed {
                let key: StatementArguments = [record.model, record.version.description, record.variant]
                try db.execute(sql: "DELETE FROM versions WHERE model = ? AND version = ? AND variant = ?", arguments: key)
                try db.execute(sql: "DELETE FROM version_chunks WHERE model = ? AND version = ? AND variant = ?", arguments: key)
            }
            if version == nil { try db.execute(sql: "DELETE FROM assignments WHERE model = ?", arguments: [model]) }
            try Self.abortRollouts(needing: doomed, model: model, wholeModel: version == nil, audit: audit, db)
            try Self.insert(audit, db)
        }
        return doomed
    }

    /// In-flight rollouts of a removed model, or to a removed version none of whose variants remain, end
    /// as aborted: they could place devices on nothing. (Only a forced removal gets here with any.)
    private static func abortRollouts(needing doomed: [VersionRecord], model: String, wholeModel: Bool, audit: AuditEntry, _ db: Database) throws {
        let remaining = try Set(String.fetchAll(db, sql: "SELECT DISTINCT version FROM versions WHERE model = ?", arguments: [model]))
        let inFlight = try inFlightRollouts(model: model, db)
        for (ended, line) in StoreRules.abortedByRemoval(inFlight, model: model, wholeModel: wholeModel, remainingVersions: remaining, audit: audit) {
            try update(ended, db)
            try insert(line, db)
        }
    }

    public func unreferencedChunks(recordedNotAfter: Timestamp, after: Digest?, limit: Int) async throws -> [ChunkRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM chunks WHERE digest > ? AND recordedAt <= ?
                    AND NOT EXISTS (SELECT 1 FROM version_chunks WHERE version_chunks.digest = chunks.digest)
                    ORDER BY digest LIMIT ?
                    """, arguments: [after?.description ?? "", recordedNotAfter.secondsSinceEpoch, limit]
            ).map(StoredRecords.chunk)
        }
    }

    public func deleteChunks(_ digests: [Digest], recordedNotAfter: Timestamp) async throws -> [ChunkRecord] {
        try await write { db in
            var deleted: [ChunkRecord] = []
            for digest in digests {
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT * FROM chunks WHERE digest = ? AND recordedAt <= ?
                            AND NOT EXISTS (SELECT 1 FROM version_chunks WHERE version_chunks.digest = chunks.digest)
                            """, arguments: [digest.description, recordedNotAfter.secondsSinceEpoch])
                else { continue }
                try db.execute(sql: "DELETE FROM chunks WHERE digest = ?", arguments: [digest.description])
                deleted.append(try StoredRecords.chunk(row))
            }
            return deleted
        }
    }
}
