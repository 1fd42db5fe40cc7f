import FleetCore

/// The pure parts of `POST /v1/chunks/missing`: the limit, the de-duplication and the answer.
///
/// Every step is linear (sets and dictionaries): the first version searched an array for each digest,
/// so 80k digests took 100 s of CPU and stalled the server.
enum MissingChunksQuery {
    /// The digests in request order, each once; refuses more than `limit` with the limit and its setting.
    static func distinct(_ digests: [Digest], limit: Int) throws -> [Digest] {
        guard digests.count <= limit else {
            throw StorageError.overLimit(
                "a missing-chunks query may name at most \(limit) digests (limits.max_missing_digests), got \(digests.count); send them in batches")
        }
        var seen = Set<Digest>(minimumCapacity: digests.count)
        return digests.filter { seen.insert($0).inserted }
    }

    /// `digests` split into what the registry lacks (in request order) and the stored form of what it has.
    static func answer(_ digests: [Digest], known: [Digest: ChunkRecord]) -> MissingChunksResponse {
        var present: [String: StoredChunkForm] = [:]
        present.reserveCapacity(known.count)
        var missing: [Digest] = []
        for digest in digests {
            if let record = known[digest] { present[digest.description] = record.form } else { missing.append(digest) }
        }
        return MissingChunksResponse(missing: missing, present: present)
    }
}
