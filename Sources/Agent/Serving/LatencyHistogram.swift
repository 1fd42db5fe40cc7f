#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Latencies in log-spaced buckets (~4% wide, 1 µs to ~1000 s): constant memory however many
/// requests a device serves, and percentiles accurate to a bucket, like HdrHistogram at low precision.
struct LatencyHistogram: Sendable {
    private static let bucketsPerDoubling = 16.0
    private static let minimumMicroseconds = 1.0
    private var buckets = [UInt64](repeating: 0, count: 480)
    private(set) var count: UInt64 = 0

    mutating func record(microseconds: Double) {
        let ratio = max(microseconds, Self.minimumMicroseconds) / Self.minimumMicroseconds
        let index = min(buckets.count - 1, Int((log2(ratio) * Self.bucketsPerDoubling).rounded(.down)))
        buckets[index] += 1
        count += 1
    }

    /// Non-empty buckets as `index:count` pairs, for the journal.
    var encoded: String {
        buckets.enumerated().filter { $0.element > 0 }.map { "\($0.offset):\($0.element)" }.joined(separator: ",")
    }

    init() {}

    /// Restores `encoded`; malformed pairs are skipped (a damaged journal must not stop serving).
    init(encoded: String) {
        for pair in encoded.split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let index = Int(parts[0]), let n = UInt64(parts[1]), buckets.indices.contains(index) else { continue }
            buckets[index] += n
            count += n
        }
    }

    /// The upper edge of the bucket holding the `quantile` (0...1), in milliseconds; nil when empty.
    func percentileMilliseconds(_ quantile: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = UInt64((Double(count) * quantile).rounded(.up))
        var seen: UInt64 = 0
        for (index, n) in buckets.enumerated() {
            seen += n
            if seen >= max(rank, 1) {
                return Self.minimumMicroseconds * pow(2, Double(index + 1) / Self.bucketsPerDoubling) / 1000
            }
        }
        return nil
    }
}
