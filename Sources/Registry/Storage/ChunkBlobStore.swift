public import FleetCore
public import NIOCore

/// Where chunk bytes live, in their stored (compressed) form.
///
/// The embedded default is `FileChunkStore` (local disk); an S3-compatible store implements the same
/// protocol for many replicas. Writes must be all-or-nothing: a reader never sees a partial chunk.
public protocol ChunkBlobStore: Sendable {
    /// Stores `bytes` as the stored form of `digest` with `codec`, replacing nothing visible until complete.
    func write(_ bytes: [UInt8], digest: Digest, codec: ChunkCodec) async throws
    /// The stored bytes, or nil if this store does not hold that form of the chunk.
    func read(_ digest: Digest, codec: ChunkCodec, storedLength: Int) async throws -> ByteBuffer?
    /// Takes stored bytes that failed verification out of service, keeping them (and `reason`) for an
    /// operator to inspect: after this, `read` returns nil for that form until the chunk is restored.
    func quarantine(_ digest: Digest, codec: ChunkCodec, reason: String) async throws
    /// True if that form of the chunk was quarantined and not restored since.
    func isQuarantined(_ digest: Digest, codec: ChunkCodec) async -> Bool
    /// Every chunk quarantined and not restored since (writing its stored form again restores it).
    /// Publishers are told these are missing, so the next push of a model that holds them repairs them.
    func quarantinedDigests() async throws -> Set<Digest>
    /// Deletes that stored form of the chunk (garbage collection, after its record is gone); absent is fine.
    func delete(_ digest: Digest, codec: ChunkCodec) async throws
    /// Every stored form whose digest starts with the byte `shard` (quarantined ones excluded): garbage
    /// collection walks the store a shard at a time to find bytes no record names.
    func storedForms(shard: UInt8) async throws -> [StoredBlob]
}

/// One stored form of a chunk as the blob store holds it, and when it was written.
public struct StoredBlob: Sendable, Equatable {
    public var digest: Digest
    public var codec: ChunkCodec
    public var writtenAt: Timestamp

    public init(digest: Digest, codec: ChunkCodec, writtenAt: Timestamp) {
        self.digest = digest
        self.codec = codec
        self.writtenAt = writtenAt
    }
}
