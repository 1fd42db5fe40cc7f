#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs blocking work (a libcurl transfer) on a thread of its own and awaits its result.
///
/// Not Dispatch's global queues: on Linux Swift's cooperative executor runs on those same threads,
/// so blocking them starves every task in the process (an in-process server stalled ~10 s per
/// request under parallel tests). A transfer is long next to the ~20 µs a thread costs to start.
public enum BlockingThread {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let status = detach { continuation.resume(with: Result { try work() }) }
            if status != 0 {
                continuation.resume(throwing: TransportError(url: "", code: -1, message: "cannot start a thread (errno \(status))"))
            }
        }
    }

    /// Runs `body` on a new detached thread; returns pthread_create's status (0 on success). Also what
    /// the agent's local API server uses for its accept loop and connections.
    @discardableResult
    public static func detach(_ body: @escaping () -> Void) -> Int32 {
        let box = Unmanaged.passRetained(Job(body))
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { context in
                guard let context else { return nil }
                Unmanaged<Job>.fromOpaque(context).takeRetainedValue().body()
                return nil
            }, box.toOpaque())
        if status == 0 { pthread_detach(thread) } else { box.release() }
        return status
    }

    /// Sleeps the current (dedicated) thread.
    static func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    private final class Job: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
