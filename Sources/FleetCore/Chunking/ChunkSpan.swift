/// One chunk of a file: where it lies, and its name (the SHA-256 of its uncompressed bytes).
public struct ChunkSpan: Hashable, Sendable {
    public var offset: UInt64
    public var length: Int
    public var digest: Digest
    /// Bytes per element of the tensor this chunk lies in (1 outside tensors): the codec's shuffle hint.
    public var elementWidth: Int

    public init(offset: UInt64, length: Int, digest: Digest, elementWidth: Int = 1) {
        self.offset = offset
        self.length = length
        self.digest = digest
        self.elementWidth = elementWidth
    }
}

/// The result of chunking one file.
public struct ChunkedFile: Sendable {
    public var size: UInt64
    /// SHA-256 of the whole file, as `sha256sum` would print it.
    public var digest: Digest
    public var chunks: [ChunkSpan]
    public var mode: Chunker.Mode
}

/// A stretch of a file chunked on its own: chunk boundaries never cross a segment boundary.
struct ChunkSegment: Equatable {
    var start: UInt64
    var end: UInt64
    var elementWidth: Int
}
