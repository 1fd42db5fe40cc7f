import Dispatch
import FleetCore

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// SIGTERM and SIGINT as a request to stop, not a kill: the daemon cancels its work, which stops
/// between chunks (each chunk on disk is whole and verified), and exits 0; systemd's stop and
/// Ctrl-C then never look like a crash. A second signal exits at once.
enum StopSignals {
    /// Calls `stop` on the first SIGTERM or SIGINT; exits 0 on the second. Keep the result alive.
    static func install(_ stop: @escaping @Sendable (String) -> Void) -> [any DispatchSourceSignal] {
        let requested = StopRequest()
        return [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            signal(number, SIG_IGN)  // delivered to the dispatch source instead of killing the process
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if requested.markAndCheckFirst() { stop(name) } else { exit(0) }
            }
            source.resume()
            return source
        }
    }
}

/// Whether a stop was already requested (signal handlers run on a dispatch queue).
private final class StopRequest: @unchecked Sendable {
    private let lock = PThreadMutex()
    private var requested = false

    func markAndCheckFirst() -> Bool {
        lock.withLock {
            defer { requested = true }
            return !requested
        }
    }
}
