import FleetCore
import FleetHTTP
import TestSupport
import Testing

@testable import Registry

/// A device reporting an absurd p95 used to make the latency gate's ratio overflow `Int` while the
/// registry spelt it as a percentage, trapping the server on every scheduler tick.
@Suite struct RolloutStatsLimitTests {
    @Test func aCheckinWithAnAbsurdLatencyIsRefusedWithAReason() async throws {
        let registry = try await RegistryHarness.start()
        let device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let v1 = SemanticVersion(major: 1, minor: 0, patch: 0)
        let failure = await #expect(throws: RegistryClient.Failure.self) {
            try await device.checkin(stats: [
                InferenceStats(model: "digits-mlp", version: v1, count: 10, errors: 0, latencyP50Milliseconds: 1, latencyP95Milliseconds: 1e300)
            ])
        }
        #expect(failure?.status == 400)
        #expect(failure?.message == "stats[0].latencyP95Milliseconds for digits-mlp 1.0.0 must be between 0 and 10000000 ms, got 1e+300")
        // A plausible report still goes through.
        try await device.checkin(stats: [
            InferenceStats(model: "digits-mlp", version: v1, count: 10, errors: 0, latencyP50Milliseconds: 1, latencyP95Milliseconds: 9_999_999)
        ])
    }

    /// The largest plausible regression (1e7 ms against a microsecond) and ratios past `Int` are spelt, not trapped on.
    @Test func percentagesTooLargeForIntAreSpeltWithoutTrapping() {
        #expect(PercentText.of(0.02) == "2%" && PercentText.of(0.025) == "2.5%")
        #expect(PercentText.of(1e10 - 1) == "999999999900%")
        #expect(PercentText.of(1e17) == "1e+19%")  // a whole number of percent past Int.max: the old formula trapped here
        #expect(PercentText.of(1e300) == "1e+302%")
        #expect(PercentText.of(.infinity) == "n/a" && PercentText.of(.nan) == "n/a")
        let rollout = Rollout(
            id: "ro-test", model: "m", version: SemanticVersion(major: 2, minor: 0, patch: 0), previousVersion: SemanticVersion(major: 1, minor: 0, patch: 0),
            selector: "", stages: [100], soakSeconds: 0, gates: RolloutGates(maxP95Regression: 0.2), stageStartedAt: Timestamp(secondsSinceEpoch: 0),
            createdAt: Timestamp(secondsSinceEpoch: 0), createdBy: "test")
        let health = RolloutStageHealth(
            stage: 0, percent: 100, devices: 1, installed: 1, installFailures: 0, selfTestFailures: 0, pending: 0,
            p95Milliseconds: 1e300, previousP95Milliseconds: 1e-300)
        guard case .pause(let reason) = RolloutEvaluator.decide(rollout, health, now: Timestamp(secondsSinceEpoch: 1)) else {
            Issue.record("an infinite regression did not pause the rollout")
            return
        }
        #expect(reason.contains("(+n/a)"))
    }
}
