import Foundation
import Synchronization

/// Counts the registry's open connections against a maximum, across all event loops.
///
/// File descriptors are the scarce resource: once the process runs out, it can accept nothing, not
/// even the `/healthz` a load balancer relies on. Refusing connections beyond `maximum` keeps enough
/// descriptors for the database, the chunk files and the connections already admitted.
final class OpenConnections: Sendable {
    let maximum: Int
    private let count = Atomic<Int>(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Takes a place if one is free; a caller that got true must `release()` it when the connection closes.
    func admit() -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < maximum {
            let (exchanged, original) = count.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() {
        count.subtract(1, ordering: .relaxed)
    }

    var current: Int { count.load(ordering: .relaxed) }

    /// Descriptors kept back from connections: the database, its WAL, chunk files being read or written, logs.
    static let reservedDescriptors = 128

    /// The default maximum: the soft file-descriptor limit less `reservedDescriptors` (at least 16), so the
    /// limit bites before the process runs out of descriptors, whatever `ulimit -n` the registry runs under.
    static func automaticMaximum() -> Int {
        var limit = rlimit()
        guard getrlimit(fileDescriptorResource, &limit) == 0 else { return 4096 }
        return max(16, Int(clamping: limit.rlim_cur) - reservedDescriptors)
    }
}

#if canImport(Glibc)
private let fileDescriptorResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#else
private let fileDescriptorResource = RLIMIT_NOFILE
#endif
