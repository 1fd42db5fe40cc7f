import FleetCore
import NIOCore
import Synchronization

/// The stored bytes of recently served chunks, up to a byte budget, evicting the oldest first.
///
/// During a rollout every device asks for the same few chunks: serving them from memory turns a file
/// open, read and close per request into a dictionary lookup.
final class ChunkMemoryCache: Sendable {
    private struct State {
        var entries: [Digest: ByteBuffer] = [:]
        var order: [Digest] = []
        var head = 0
        var bytes = 0
    }

    private let budget: Int
    private let state = Mutex(State())

    init(budgetBytes: Int) {
        budget = budgetBytes
    }

    func bytes(for digest: Digest) -> ByteBuffer? {
        state.withLock { $0.entries[digest] }
    }

    func insert(_ buffer: ByteBuffer, for digest: Digest) {
        guard buffer.readableBytes <= budget else { return }
        state.withLock { state in
            guard state.entries[digest] == nil else { return }
            state.entries[digest] = buffer
            state.order.append(digest)
            state.bytes += buffer.readableBytes
            while state.bytes > budget, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                state.bytes -= state.entries.removeValue(forKey: oldest)?.readableBytes ?? 0
            }
            if state.head > 1024, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }
}
