import FleetCore
import Testing

@testable import Registry

@Suite struct CohortTests {
    static let ids = (0..<10_000).map { "device-\($0)" }

    /// On 10,000 ids each stage holds its percentage of devices within 3 points, and a later stage
    /// holds every device of an earlier one (cohorts only grow).
    @Test(arguments: ["ro-1a2b3c4d5e6f", "ro-000000000000", "ro-ffffffffffff"])
    func stagesHoldTheirShareAndOnlyGrow(rolloutID: String) {
        var previous = Set<String>()
        for percent in [1, 5, 10, 25, 50, 100] {
            let cohort = Set(Self.ids.filter { Cohort.contains(deviceID: $0, rolloutID: rolloutID, percent: percent) })
            let share = Double(cohort.count) / Double(Self.ids.count) * 100
            #expect(abs(share - Double(percent)) <= 3, "\(percent)% stage holds \(share)% of devices")
            #expect(previous.isSubset(of: cohort), "a device left the cohort when the rollout went to \(percent)%")
            previous = cohort
        }
        #expect(previous.count == Self.ids.count)
    }

    /// The bucket depends on nothing but the two ids (no per-process seed), and differs between rollouts.
    @Test func bucketsAreStableAndIndependentPerRollout() {
        #expect(Cohort.bucket(deviceID: "device-1", rolloutID: "ro-a") == Cohort.bucket(deviceID: "device-1", rolloutID: "ro-a"))
        let sha = Digest.of(Array("ro-a\ndevice-1".utf8))
        let expected = (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(sha.bytes[$1]) } % 10_000
        #expect(Cohort.bucket(deviceID: "device-1", rolloutID: "ro-a") == Int(expected))
        let first = Set(Self.ids.prefix(2_000).filter { Cohort.contains(deviceID: $0, rolloutID: "ro-a", percent: 10) })
        let second = Set(Self.ids.prefix(2_000).filter { Cohort.contains(deviceID: $0, rolloutID: "ro-b", percent: 10) })
        #expect(first != second)
        // Independent draws of 10% overlap in about 1% of devices, not 10%.
        #expect(first.intersection(second).count < 60, "\(first.intersection(second).count) devices are first in both rollouts")
    }
}
