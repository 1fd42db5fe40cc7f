import FleetCore
import FleetHTTP

/// Fetches a plan's chunks into the store with up to `parallel` transfers in flight: on a link with
/// latency, one request at a time would spend more time waiting for first bytes than receiving them.
struct ChunkFetcher: Sendable {
    let registry: RegistryClient
    let store: LocalChunkStore
    let parallel: Int

    /// What a fetch moved, and the first chunk that could not be had (the others in flight still finish).
    struct Transfer: Sendable {
        var bytes = 0
        var chunks = 0
        var failure: String?
    }

    func fetch(_ chunks: [Manifest.Chunk]) async -> Transfer {
        await withTaskGroup(of: (Manifest.Chunk, Result<Int, any Error>).self) { group in
            var pending = chunks[...]
            func startNext() {
                guard let chunk = pending.popFirst() else { return }
                group.addTask { (chunk, await download(chunk)) }
            }
            for _ in 0..<max(1, parallel) { startNext() }
            var transfer = Transfer()
            for await (chunk, result) in group {
                switch result {
                case .success(let received):
                    transfer.bytes += received
                    transfer.chunks += 1
                    // A stop (SIGTERM cancels the sync) starts nothing new; chunks in flight finish and are kept.
                    if transfer.failure == nil, !Task.isCancelled { startNext() }
                case .failure(let error):
                    transfer.failure = transfer.failure ?? "chunk \(chunk.digest): \(error)"
                }
            }
            return transfer
        }
    }

    /// Fetches one chunk (resuming a partial download) and admits it to the store once verified.
    /// A chunk that arrives corrupt is deleted and fetched again, up to three times.
    func download(_ chunk: Manifest.Chunk) async -> Result<Int, any Error> {
        var received = 0
        var lastError: (any Error)?
        for _ in 0..<3 {
            let partial = store.partialPath(of: chunk.digest, codec: chunk.codec)
            switch await Result.catching({ try await registry.downloadChunk(chunk.digest, storedLength: chunk.storedLength, to: partial) }) {
            case .success(let bytes): received += bytes
            case .failure(let error): return .failure(error)
            }
            switch Result(catching: { try store.admit(chunk) }) {
            case .success: return .success(received)
            case .failure(let error): lastError = error
            }
        }
        return .failure(lastError ?? FleetError.corruptChunk(digest: chunk.digest, reason: "did not verify"))
    }
}
