import FleetCore

/// Orders, per digest, an upload's "write the bytes, then record the chunk" against garbage
/// collection's "delete the record, then the bytes". Without it a collection could delete the bytes
/// an upload had just written between the two steps, leaving a recorded chunk with no bytes.
/// (One registry process; replicas sharing a store would need the store's own lock.)
actor ChunkGate {
    private var held: Set<Digest> = []
    private var waiting: [Digest: [CheckedContinuation<Void, Never>]] = [:]

    /// Runs `body` while holding `digests` (taken in sorted order, so two holders never deadlock).
    nonisolated func holding<T: Sendable>(_ digests: [Digest], _ body: @Sendable () async throws -> T) async throws -> T {
        let sorted = Set(digests).sorted { $0.description < $1.description }
        for digest in sorted { await acquire(digest) }
        let result = await AsyncResult.attempt(body)
        for digest in sorted { await release(digest) }
        return try result.get()
    }

    private func acquire(_ digest: Digest) async {
        while held.contains(digest) {
            await withCheckedContinuation { waiting[digest, default: []].append($0) }
        }
        held.insert(digest)
    }

    private func release(_ digest: Digest) {
        held.remove(digest)
        for waiter in waiting.removeValue(forKey: digest) ?? [] { waiter.resume() }
    }
}
