import FleetCore
import Foundation
import GRDB

/// The tables and columns that let things be removed (migration "v5 lifecycle"): token expiry,
/// revocation and last use, device decommissioning, and what chunk garbage collection needs — when each chunk was
/// recorded, and which committed versions reference it.
enum LifecycleSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE tokens ADD COLUMN expiresAt INTEGER;
                ALTER TABLE tokens ADD COLUMN revokedAt INTEGER;
                ALTER TABLE tokens ADD COLUMN lastUsedAt INTEGER;
                ALTER TABLE devices ADD COLUMN decommissionedAt INTEGER;
                ALTER TABLE chunks ADD COLUMN recordedAt INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE version_chunks (model TEXT NOT NULL, version TEXT NOT NULL, variant TEXT NOT NULL, digest TEXT NOT NULL,
                    PRIMARY KEY (model, version, variant, digest));
                CREATE INDEX version_chunks_by_digest ON version_chunks(digest);
                """)
        // Versions committed before this migration: their references come from their stored manifests.
        for row in try Row.fetchAll(db, sql: "SELECT model, version, variant, manifest FROM versions") {
            let digests = try VersionRecord.chunkDigests(ofManifest: [UInt8](row["manifest"] as Data))
            try insertReferences(digests, model: row["model"], version: row["version"], variant: row["variant"], db)
        }
    }

    /// Records which chunks a version being committed references, after checking, in the same
    /// transaction as the version's insert, that every one of them is still recorded. A garbage
    /// collection deletes only chunks no version references, in a transaction of its own: SQLite runs
    /// the two one after the other, so either the collection ran first (and this commit fails with
    /// `missingChunks`, the publisher uploads again) or the commit did (and the chunks are referenced).
    static func referenceChunks(_ digests: [Digest], of version: VersionRecord, _ db: Database) throws {
        let distinct = StoreRules.distinctDigests(digests)
        let missing = try distinct.filter { digest in
            !(try Bool.fetchOne(db, sql: "SELECT 1 FROM chunks WHERE digest = ?", arguments: [digest.description]) ?? false)
        }
        guard missing.isEmpty else { throw StoreRefusals.chunksCollected(missing) }
        try insertReferences(distinct, model: version.model, version: version.version.description, variant: version.variant, db)
    }

    private static func insertReferences(_ digests: [Digest], model: String, version: String, variant: String, _ db: Database) throws {
        for digest in Set(digests) {
            try db.execute(
                sql: "INSERT OR IGNORE INTO version_chunks (model, version, variant, digest) VALUES (?, ?, ?, ?)",
                arguments: [model, version, variant, digest.description])
        }
    }
}

extension VersionRecord {
    /// Every chunk digest the version's files name, from its stored manifest.
    func chunkDigests() throws -> [Digest] { try Self.chunkDigests(ofManifest: manifest) }

    /// The manifest was verified when it was committed; here it is only read back (no size limit).
    static func chunkDigests(ofManifest bytes: [UInt8]) throws -> [Digest] {
        try ManifestCoding.decode(bytes, maximumBytes: max(bytes.count, 1)).manifest.files.flatMap(\.chunks).map(\.digest)
    }
}
