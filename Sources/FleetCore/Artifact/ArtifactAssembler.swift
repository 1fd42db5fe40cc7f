/// Rebuilds a file from its stored chunks, verifying every chunk and then the whole file.
///
/// Bytes reach `write` only after their chunk's digest checked out, and the caller learns whether
/// the whole file is right only when `assemble` returns: write into staging, never over a live file.
public struct ArtifactAssembler {
    private let compressor = ChunkCompressor()

    public init() {}

    public func assemble(
        _ file: Manifest.File,
        storedBytes: (Manifest.Chunk) throws -> [UInt8],
        write: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var hasher = DigestHasher()
        var size: UInt64 = 0
        for chunk in file.chunks {
            let stored = try storedBytes(chunk)
            guard stored.count == chunk.storedLength else {
                throw FleetError.corruptChunk(
                    digest: chunk.digest,
                    reason: "got \(stored.count) stored bytes, manifest says \(chunk.storedLength) (in \(file.path) at offset \(chunk.offset))")
            }
            let bytes = try stored.withUnsafeBytes {
                try compressor.decode($0, codec: chunk.codec, length: chunk.length, digest: chunk.digest)
            }
            try bytes.withUnsafeBytes { raw in
                hasher.update(raw)
                try write(raw)
            }
            size += UInt64(bytes.count)
        }
        let actual = hasher.finalize()
        guard size == file.size, actual == file.digest else {
            throw FleetError.digestMismatch(subject: "file \(file.path) (\(size) of \(file.size) bytes)", expected: file.digest, actual: actual)
        }
    }
}
