import FleetCore
import Logging
import NIOCore

/// Reads a chunk's stored bytes and checks them against its record before anything serves or caches
/// them; bytes that fail are quarantined, counted and logged, and never reach a client.
///
/// Without this, bytes that rotted on disk were served, and once in `ChunkMemoryCache` kept being
/// served after the file was repaired. Checking on the way into the cache costs one decode and hash
/// per cache miss and none per hit.
struct ChunkIntegrity: Sendable {
    let blobs: any ChunkBlobStore
    let metrics: RegistryMetrics
    let logger: Logger

    enum Verdict: Sendable {
        case intact(ByteBuffer)
        /// No stored bytes (never written, lost, or quarantined earlier).
        case missing
        /// The bytes did not match: quarantined (or, if moving them failed, logged and still refused).
        case corrupt(reason: String)
    }

    /// Reads and verifies one chunk, quarantining it if it fails.
    func check(_ record: ChunkRecord) async throws -> Verdict {
        guard let bytes = try await blobs.read(record.digest, codec: record.codec, storedLength: record.storedLength) else { return .missing }
        guard let problem = try await OffloadedWork.run({ ChunkVerification.problem(in: bytes, record: record) }) else { return .intact(bytes) }
        let digest = record.digest
        if case .failure(let error) = await AsyncResult.attempt({ try await blobs.quarantine(digest, codec: record.codec, reason: problem) }) {
            logger.critical("could not quarantine a corrupt chunk; it is still refused", metadata: ["digest": "\(digest)", "error": "\(error)"])
        }
        metrics.chunkQuarantined()
        logger.error("quarantined a chunk whose stored bytes do not match it", metadata: ["digest": "\(digest)", "problem": "\(problem)"])
        return .corrupt(reason: problem)
    }

    /// The verified stored bytes; nil if none are stored; `StorageError.corrupt` for known-bad ones.
    func verifiedBytes(_ record: ChunkRecord) async throws -> ByteBuffer? {
        switch try await check(record) {
        case .intact(let bytes):
            return bytes
        case .corrupt(let reason):
            throw StorageError.corrupt("chunk \(record.digest) is corrupt on the registry (\(reason)); it is quarantined and not served")
        case .missing:
            guard await blobs.isQuarantined(record.digest, codec: record.codec) else { return nil }
            throw StorageError.corrupt("chunk \(record.digest) is quarantined on the registry (its stored bytes do not match it) and is not served")
        }
    }
}
