import FleetCore

/// The pure parts of `POST /v1/chunks/missing`: the limit, the de-duplication and the answer's JSON.
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

    /// The `MissingChunksResponse` for `digests` as JSON: what the registry lacks, in request order, and the
    /// stored form of the rest, keyed in digest order. Written directly: JSONEncoder with sorted keys spent
    /// most of a 100k-digest answer sorting 100k key strings.
    static func json(_ digests: [Digest], known: [Digest: ChunkRecord]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(digests.count * 110 + 32)
        out += #"{"missing":["#.utf8
        var held: [ChunkRecord] = []
        held.reserveCapacity(known.count)
        for digest in digests {
            guard let record = known[digest] else {
                if out.last != UInt8(ascii: "[") { out.append(UInt8(ascii: ",")) }
                out += "\"\(digest)\"".utf8
                continue
            }
            held.append(record)
        }
        out += #"],"present":{"#.utf8
        held.sort { $0.digest < $1.digest }
        for (index, record) in held.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += #""\#(record.digest)":{"codec":"\#(record.codec)","length":\#(record.length),"storedLength":\#(record.storedLength)}"#.utf8
        }
        out += "}}".utf8
        return out
    }
}
