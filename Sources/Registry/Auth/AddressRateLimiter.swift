import Synchronization

/// A token bucket per client address: `perMinute` tokens a minute, up to `perMinute` saved up.
///
/// Guessing tokens and enrolling devices in bulk cost the registry (a store lookup, a device row),
/// so both are limited per source address. Memory is bounded: past `maximumAddresses` tracked,
/// the oldest entries are dropped (an attacker with that many addresses is not slowed by this anyway).
final class AddressRateLimiter: Sendable {
    let perMinute: Int
    private let maximumAddresses: Int
    private let state = Mutex<[String: Bucket]>([:])

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    init(perMinute: Int, maximumAddresses: Int = 100_000) {
        self.perMinute = max(1, perMinute)
        self.maximumAddresses = maximumAddresses
    }

    /// Seconds until `address` may go on (nil: it may now), without taking a token.
    func wait(for address: String, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { buckets in
            let tokens = refilled(buckets[address], now: now)
            return tokens >= 1 ? nil : seconds(untilOneFrom: tokens)
        }
    }

    /// Takes a token for `address`; the seconds to wait when there is none (and nothing is taken).
    @discardableResult
    func take(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { buckets in
            var tokens = refilled(buckets[address], now: now)
            guard tokens >= 1 else { return seconds(untilOneFrom: tokens) }
            tokens -= 1
            if buckets[address] == nil, buckets.count >= maximumAddresses {
                // Drop the entries that have been quiet longest (a tenth, so this is rare).
                let oldest = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(max(1, maximumAddresses / 10))
                for (key, _) in oldest { buckets[key] = nil }
            }
            buckets[address] = Bucket(tokens: tokens, updated: now)
            return nil
        }
    }

    private func refilled(_ bucket: Bucket?, now: ContinuousClock.Instant) -> Double {
        guard let bucket else { return Double(perMinute) }
        let elapsed = Double((now - bucket.updated).components.seconds) + Double((now - bucket.updated).components.attoseconds) / 1e18
        return min(Double(perMinute), bucket.tokens + elapsed * Double(perMinute) / 60)
    }

    private func seconds(untilOneFrom tokens: Double) -> Int {
        max(1, Int(((1 - tokens) * 60 / Double(perMinute)).rounded(.up)))
    }
}
