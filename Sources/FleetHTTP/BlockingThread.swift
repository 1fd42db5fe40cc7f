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
enum BlockingThread {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let box = Unmanaged.passRetained(Job { continuation.resume(with: Result { try work() }) })
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                let job = Unmanaged<Job>.fromOpaque(context).takeRetainedValue()
                job.body()
                return nil
            }, box.toOpaque())
            if status == 0 {
                pthread_detach(thread)
            } else {
                box.release()
                continuation.resume(throwing: TransportError(url: "", code: -1, message: "cannot start a thread (errno \(status))"))
            }
        }
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
