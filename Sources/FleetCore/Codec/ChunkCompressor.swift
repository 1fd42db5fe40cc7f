import CZlib
import CZstd

/// Compresses and restores chunks. Holds zstd contexts, so keep one per task rather than sharing it.
///
/// Encoding never expands: when the chosen codec does not save a byte, the chunk is stored as
/// `identity`. Decoding checks the restored length and the digest, so a corrupt or truncated chunk
/// is an error naming the chunk, never silently wrong bytes.
public final class ChunkCompressor {
    public struct Settings: Sendable, Hashable {
        public var compressor: ChunkCodec.Compressor
        public var level: Int32
        /// Apply the byte-shuffle filter to chunks that lie in tensors with multi-byte elements.
        public var shuffle: Bool

        public init(compressor: ChunkCodec.Compressor, level: Int32, shuffle: Bool = true) {
            self.compressor = compressor
            self.level = level
            self.shuffle = shuffle
        }

        /// The default for publishing; see docs/decisions/codec.md for the measurements behind it.
        public static let standard = Settings(compressor: .zstd, level: 15)
    }

    private let zstdCompression: OpaquePointer
    private let zstdDecompression: OpaquePointer

    public init() {
        // Allocation failure here means the process is out of memory; nothing sensible can follow.
        guard let cctx = ZSTD_createCCtx(), let dctx = ZSTD_createDCtx() else {
            fatalError("zstd could not allocate a context")
        }
        zstdCompression = cctx
        zstdDecompression = dctx
    }

    deinit {
        ZSTD_freeCCtx(zstdCompression)
        ZSTD_freeDCtx(zstdDecompression)
    }

    /// Encodes one chunk: shuffle if its tensor has multi-byte elements, compress, keep whichever is smaller.
    public func encode(_ bytes: UnsafeRawBufferPointer, elementWidth: Int, settings: Settings) throws -> (codec: ChunkCodec, stored: [UInt8]) {
        let width = settings.shuffle && ChunkCodec.shuffleWidths.contains(elementWidth) && bytes.count >= elementWidth * 2 ? elementWidth : 1
        let codec = ChunkCodec(compressor: settings.compressor, shuffleWidth: width)
        guard codec.compressor != .identity else { return (.identity, Array(bytes)) }
        let filtered = width > 1 ? ByteShuffle.shuffle(bytes, width: width) : nil
        let compressed =
            try filtered.map { planes in
                try planes.withUnsafeBytes { try compress($0, with: codec.compressor, level: settings.level) }
            } ?? compress(bytes, with: codec.compressor, level: settings.level)
        guard compressed.count < bytes.count else { return (.identity, Array(bytes)) }
        return (codec, compressed)
    }

    /// Restores a chunk's original bytes and checks they hash to `digest`.
    public func decode(_ stored: UnsafeRawBufferPointer, codec: ChunkCodec, length: Int, digest: Digest) throws -> [UInt8] {
        let restored: [UInt8]
        switch codec.compressor {
        case .identity:
            guard stored.count == length else {
                throw FleetError.corruptChunk(digest: digest, reason: "stored \(stored.count) bytes, expected \(length)")
            }
            restored = Array(stored)
        case .zlib, .zstd:
            let planes = try decompress(stored, with: codec.compressor, length: length, digest: digest)
            restored = codec.shuffleWidth > 1 ? planes.withUnsafeBytes { ByteShuffle.unshuffle($0, width: codec.shuffleWidth) } : planes
        }
        let actual = Digest.of(restored)
        guard actual == digest else {
            throw FleetError.digestMismatch(subject: "chunk \(digest) after \(codec) decoding", expected: digest, actual: actual)
        }
        return restored
    }

    private func compress(_ input: UnsafeRawBufferPointer, with compressor: ChunkCodec.Compressor, level: Int32) throws -> [UInt8] {
        switch compressor {
        case .identity:
            return Array(input)
        case .zlib:
            var capacity = compressBound(uLong(input.count))
            let out = try [UInt8](unsafeUninitializedCapacity: Int(capacity)) { buffer, count in
                let status = compress2(buffer.baseAddress, &capacity, input.bindMemory(to: Bytef.self).baseAddress, uLong(input.count), level)
                guard status == Z_OK else { throw FleetError.codecFailure(codec: "zlib compress", reason: "status \(status)") }
                count = Int(capacity)
            }
            return out
        case .zstd:
            let capacity = ZSTD_compressBound(input.count)
            return try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                let written = ZSTD_compressCCtx(zstdCompression, buffer.baseAddress, capacity, input.baseAddress, input.count, level)
                guard ZSTD_isError(written) == 0 else {
                    throw FleetError.codecFailure(codec: "zstd compress", reason: String(cString: ZSTD_getErrorName(written)))
                }
                count = written
            }
        }
    }

    /// Inflates exactly `length` bytes; any other outcome means the stored bytes are corrupt or truncated.
    private func decompress(_ input: UnsafeRawBufferPointer, with compressor: ChunkCodec.Compressor, length: Int, digest: Digest) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            switch compressor {
            case .identity:
                preconditionFailure("identity chunks are not decompressed")
            case .zlib:
                var produced = uLong(length)
                var consumed = uLong(input.count)
                let status = uncompress2(buffer.baseAddress, &produced, input.bindMemory(to: Bytef.self).baseAddress, &consumed)
                guard status == Z_OK, Int(produced) == length, Int(consumed) == input.count else {
                    let reason =
                        status == Z_OK
                        ? "zlib stream gave \(produced) bytes from \(consumed) of \(input.count) stored bytes, expected \(length)"
                        : "zlib stream is damaged or truncated (\(Self.zlibStatus(status)))"
                    throw FleetError.corruptChunk(digest: digest, reason: reason)
                }
                count = length
            case .zstd:
                // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are UInt64.max and UInt64.max - 1.
                let frameSize = ZSTD_getFrameContentSize(input.baseAddress, input.count)
                if frameSize < UInt64.max - 1, frameSize != UInt64(length) {
                    throw FleetError.corruptChunk(digest: digest, reason: "zstd frame declares \(frameSize) bytes, expected \(length)")
                }
                let produced = ZSTD_decompressDCtx(zstdDecompression, buffer.baseAddress, length, input.baseAddress, input.count)
                guard ZSTD_isError(produced) == 0 else {
                    throw FleetError.corruptChunk(digest: digest, reason: "zstd: \(String(cString: ZSTD_getErrorName(produced)))")
                }
                guard produced == length else {
                    throw FleetError.corruptChunk(digest: digest, reason: "zstd stream gave \(produced) bytes, expected \(length)")
                }
                count = length
            }
        }
    }

    private static func zlibStatus(_ status: Int32) -> String {
        switch status {
        case Z_DATA_ERROR: return "Z_DATA_ERROR"
        case Z_BUF_ERROR: return "Z_BUF_ERROR: stream ends early or holds more than expected"
        case Z_MEM_ERROR: return "Z_MEM_ERROR"
        default: return "status \(status)"
        }
    }
}
