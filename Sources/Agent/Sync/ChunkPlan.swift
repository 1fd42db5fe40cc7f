import FleetCore

/// What installing a version will fetch: its chunks the store does not hold yet, each once, in digest order.
struct ChunkPlan: Sendable {
    let manifest: Manifest
    let missing: [Manifest.Chunk]

    init(manifest: Manifest, store: LocalChunkStore) {
        self.manifest = manifest
        var missing: [Digest: Manifest.Chunk] = [:]
        for chunk in manifest.files.flatMap(\.chunks) where !store.contains(chunk.digest) { missing[chunk.digest] = chunk }
        self.missing = missing.values.sorted { $0.digest < $1.digest }
    }

    /// Disk the install may need at its peak: each missing chunk as received and as stored, plus the assembled files.
    var peakBytes: UInt64 {
        missing.reduce(UInt64(0)) { $0 + UInt64($1.storedLength + $1.length) } + manifest.totalSize
    }
}
