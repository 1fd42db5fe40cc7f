import FleetCore

/// Request-body bytes the local API holds at once, across all its workers.
///
/// A large inference request costs a few times its body in memory while it is decoded and run, so
/// eight 57 MB requests in parallel could take a device's memory. Bodies over `largeBodyBytes`
/// reserve their size here before they are read; when the budget is spent the request is answered
/// 503 with `Retry-After` instead. Small requests never wait on it.
final class BodyBudget: @unchecked Sendable {
    /// Bodies up to this size are not counted: 16 workers × 1 MiB is a bound of its own.
    static let largeBodyBytes = 1 << 20

    let totalBytes: Int
    private let lock = PThreadMutex()
    private var reserved = 0

    init(totalBytes: Int) { self.totalBytes = totalBytes }

    /// Reserves `bytes` for one body; false when that would exceed the budget. A body larger than
    /// the whole budget is admitted alone, when nothing else is reserved.
    func reserve(_ bytes: Int) -> Bool {
        guard bytes > Self.largeBodyBytes else { return true }
        return lock.withLock {
            guard reserved == 0 || reserved + bytes <= totalBytes else { return false }
            reserved += bytes
            return true
        }
    }

    /// Gives back what `reserve(bytes)` took.
    func release(_ bytes: Int) {
        guard bytes > Self.largeBodyBytes else { return }
        lock.withLock { reserved -= bytes }
    }

    var reservedBytes: Int { lock.withLock { reserved } }
}
