import FleetCore
import NIOCore

/// Whether stored bytes are the chunk their record names: the recorded stored length, and decoding
/// them gives the recorded length with the digest (which is of the uncompressed bytes).
///
/// Disks and copies rot: a chunk that passed the upload check can go bad later, and serving it would
/// make every device in a rollout fetch, reject and re-fetch it. Synchronous and CPU-bound (a decode
/// and a SHA-256 of up to 256 KiB): callers run it on `OffloadedWork`.
enum ChunkVerification {
    /// nil if the bytes are intact, else what is wrong with them.
    static func problem(in bytes: ByteBuffer, record: ChunkRecord) -> String? {
        guard bytes.readableBytes == record.storedLength else {
            return "\(bytes.readableBytes) bytes are stored where \(record.storedLength) were recorded"
        }
        return bytes.withUnsafeReadableBytes { stored in
            do {
                _ = try ChunkCompressor().decode(stored, codec: record.codec, length: record.length, digest: record.digest)
                return nil
            } catch {
                return "\(error)"
            }
        }
    }
}
