import FleetCore

/// Which devices a rollout's stage reaches: a device is in the stage at `percent` iff
/// `bucket(device, rollout) < percent × 100`.
///
/// The bucket is SHA-256 of the two ids (not Swift's `Hasher`, which is seeded per process), so every
/// replica and every restart puts a device in the same cohort, and cohorts only grow from stage to stage.
/// Another rollout id gives an independent draw, so the same devices are not always first.
enum Cohort {
    static let buckets = 10_000

    static func bucket(deviceID: String, rolloutID: String) -> Int {
        let digest = Digest.of(Array("\(rolloutID)\n\(deviceID)".utf8))
        var value: UInt64 = 0
        for index in 0..<8 { value = value << 8 | UInt64(digest.bytes[index]) }
        return Int(value % UInt64(buckets))
    }

    static func contains(deviceID: String, rolloutID: String, percent: Int) -> Bool {
        bucket(deviceID: deviceID, rolloutID: rolloutID) < percent * (buckets / 100)
    }
}
