/// Turns a file on disk into a manifest file entry plus its stored chunks: chunk, encode, describe.
///
/// This is the publishing half of the artifact format (`fleetctl push` runs it); `ArtifactAssembler`
/// is the device half. Stored chunks are handed to `store` as they are made, so a file larger than
/// memory streams through; the same chunk appearing twice is offered twice, and dedup is the store's job.
public struct ArtifactPacker {
    public var chunker: Chunker
    public var settings: ChunkCompressor.Settings
    private let compressor = ChunkCompressor()

    public init(chunker: Chunker = Chunker(), settings: ChunkCompressor.Settings = .standard) {
        self.chunker = chunker
        self.settings = settings
    }

    /// ONNX files are chunked tensor-aware; everything else plain.
    public static func defaultMode(forPath path: String) -> Chunker.Mode {
        path.lowercased().hasSuffix(".onnx") ? .tensorAware : .plain
    }

    public func pack(
        file path: String,
        as relativePath: String,
        mode: Chunker.Mode,
        store: (Manifest.Chunk, [UInt8]) throws -> Void = { _, _ in }
    ) throws -> Manifest.File {
        var chunks: [Manifest.Chunk] = []
        let chunked = try chunker.chunkFile(at: path, mode: mode) { span, bytes in
            let (codec, stored) = try compressor.encode(bytes, elementWidth: span.elementWidth, settings: settings)
            let chunk = Manifest.Chunk(offset: span.offset, length: span.length, storedLength: stored.count, codec: codec, digest: span.digest)
            try store(chunk, stored)
            chunks.append(chunk)
        }
        return Manifest.File(
            path: relativePath, size: chunked.size, digest: chunked.digest,
            chunking: .init(mode: mode, parameters: chunker.parameters), chunks: chunks
        )
    }
}
