import FleetCore

/// Paces received bytes to a rate across every transfer of one client: each byte books 1/rate of a
/// second on a shared timeline, and the transfer's thread sleeps until its bytes' slot.
///
/// libcurl's own cap (`CURLOPT_MAX_RECV_SPEED_LARGE`) is per transfer and barely acts on a 50 KB chunk;
/// a device's cap has to hold for the sum of its transfers.
final class BandwidthLimiter: @unchecked Sendable {
    private let bytesPerSecond: Int
    private let lock = PThreadMutex()
    private let clock = ContinuousClock()
    private var nextFree: ContinuousClock.Instant

    init(bytesPerSecond: Int) {
        self.bytesPerSecond = bytesPerSecond
        nextFree = clock.now
    }

    /// Called from a transfer's own thread with the bytes just received.
    func consume(_ bytes: Int) {
        let slot = Duration.nanoseconds(Int64(bytes) * 1_000_000_000 / Int64(bytesPerSecond))
        let wakeAt: ContinuousClock.Instant = lock.withLock {
            let start = max(clock.now, nextFree)
            nextFree = start + slot
            return nextFree
        }
        let wait = wakeAt - clock.now
        if wait > .zero { BlockingThread.sleep(wait) }
    }
}
