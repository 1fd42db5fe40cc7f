public import FleetCore
import PostgresNIO

/// Chunk records, and garbage collection's side of them.
extension PostgresMetadataStore {
    public func chunks(_ digests: [Digest]) async throws -> [Digest: ChunkRecord] {
        guard !digests.isEmpty else { return [:] }
        // One array parameter, however many digests: no bind-count limit to batch around.
        let rows = try await rows("SELECT * FROM chunks WHERE digest = ANY(\(digests.map(\.description)))")
        var found: [Digest: ChunkRecord] = [:]
        for row in rows {
            let record = try StoredRecords.chunk(row)
            found[record.digest] = record
        }
        return found
    }

    public func recordChunk(_ chunk: ChunkRecord) async throws -> ChunkRecord {
        try await transaction { session in
            try await session.run(
                """
                INSERT INTO chunks (digest, length, storedLength, codec, recordedAt)
                VALUES (\(chunk.digest.description), \(Int64(chunk.length)), \(Int64(chunk.storedLength)), \(chunk.codec.description),
                    \(Timestamp.now().secondsSinceEpoch))
                ON CONFLICT (digest) DO NOTHING
                """)
            guard let row = try await session.rows("SELECT * FROM chunks WHERE digest = \(chunk.digest.description)").first else {
                throw StorageError.unavailable("chunk \(chunk.digest) vanished after insert")
            }
            return try StoredRecords.chunk(row)
        }
    }

    public func chunkCount() async throws -> Int {
        Int(try await count("SELECT COUNT(*) AS n FROM chunks"))
    }

    public func chunks(after: Digest?, limit: Int) async throws -> [ChunkRecord] {
        try await rows("SELECT * FROM chunks WHERE digest > \(after?.description ?? "") ORDER BY digest LIMIT \(Int64(limit))").map(StoredRecords.chunk)
    }

    public func unreferencedChunks(recordedNotAfter: Timestamp, after: Digest?, limit: Int) async throws -> [ChunkRecord] {
        try await rows(
            """
            SELECT * FROM chunks WHERE digest > \(after?.description ?? "") AND recordedAt <= \(recordedNotAfter.secondsSinceEpoch)
            AND NOT EXISTS (SELECT 1 FROM version_chunks WHERE version_chunks.digest = chunks.digest)
            ORDER BY digest LIMIT \(Int64(limit))
            """
        ).map(StoredRecords.chunk)
    }

    /// Holds `PostgresLocks.chunkReferences` exclusively: no commit checks its chunks while this deletes.
    public func deleteChunks(_ digests: [Digest], recordedNotAfter: Timestamp) async throws -> [ChunkRecord] {
        guard !digests.isEmpty else { return [] }
        let deleted = try await transaction { session in
            try await session.lock(PostgresLocks.chunkReferences)
            return try await session.rows(
                """
                DELETE FROM chunks WHERE digest = ANY(\(digests.map(\.description))) AND recordedAt <= \(recordedNotAfter.secondsSinceEpoch)
                AND NOT EXISTS (SELECT 1 FROM version_chunks WHERE version_chunks.digest = chunks.digest)
                RETURNING *
                """
            ).map(StoredRecords.chunk)
        }
        // In the order asked, as the SQLite store returns them.
        let byDigest = Dictionary(deleted.map { ($0.digest, $0) }, uniquingKeysWith: { first, _ in first })
        return StoreRules.distinctDigests(digests).compactMap { byDigest[$0] }
    }
}
