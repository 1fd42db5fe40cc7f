import FleetCore
import Testing

@testable import Registry

/// The gates as a pure function: synthetic devices and reports, no server.
@Suite struct RolloutEvaluatorTests {
    static let v1 = SemanticVersion(major: 1, minor: 0, patch: 0), v2 = SemanticVersion(major: 2, minor: 0, patch: 0)
    let start = Timestamp(secondsSinceEpoch: 1_800_000_000)

    func rollout(stages: [Int] = [100], soak: Int = 0, gates: RolloutGates = RolloutGates(maxP95Regression: 0.2)) -> Rollout {
        Rollout(
            id: "ro-test", model: "m", version: Self.v2, previousVersion: Self.v1, selector: "type=camera", stages: stages,
            soakSeconds: soak, gates: gates, stageStartedAt: start, createdAt: start, createdBy: "test")
    }

    func devices(_ count: Int, labels: [String: String] = ["type": "camera"]) -> [DeviceRecord] {
        (0..<count).map {
            DeviceRecord(id: "d\($0)", profile: DeviceProfile(arch: "x86_64", ramBytes: 1, diskBytes: 1, engineVersion: "1"), labels: labels, enrolledAt: start)
        }
    }

    func report(
        _ device: String, _ version: SemanticVersion, _ install: InstallReport.Result?, selfTest: InstallReport.SelfTest? = nil, p95: Double? = nil,
        errors: UInt64? = nil
    ) -> DeviceVersionHealth {
        DeviceVersionHealth(
            deviceID: device, model: "m", version: version, install: install, selfTest: selfTest,
            inferences: p95 == nil && errors == nil ? 0 : 100, errors: errors ?? 0, latencyP95Milliseconds: p95, updatedAt: start)
    }

    /// Errors over requests on the new version against the previous version on the same devices.
    @Test func anErrorRateIncreaseOverTheGatePauses() {
        let gated = rollout(gates: RolloutGates(maxErrorRateIncrease: 0.01))
        let fleet = devices(4)
        let old = fleet.map { report($0.id, Self.v1, .ok, errors: 1) }  // 4 of 400 requests: 1%
        let worse = fleet.map { report($0.id, Self.v2, .ok, errors: 3) }  // 12 of 400: 3%
        let health = RolloutEvaluator.stageHealth(gated, devices: fleet, health: old + worse)
        #expect(health.errorRate == 0.03 && health.previousErrorRate == 0.01)
        #expect(RolloutEvaluator.decide(gated, health, now: start) == .pause("error rate 3% vs 1% on 1.0.0 at stage 1 (100%) exceeds the +1% gate"))
        let close = fleet.map { report($0.id, Self.v2, .ok, errors: 2) }  // 2%: one point more, within the gate
        #expect(RolloutEvaluator.decide(gated, RolloutEvaluator.stageHealth(gated, devices: fleet, health: old + close), now: start) == .complete)
        // No requests on the previous version: the baseline is 0, so any errors over the gate pause.
        #expect(
            RolloutEvaluator.decide(gated, RolloutEvaluator.stageHealth(gated, devices: fleet, health: worse), now: start)
                == .pause("error rate 3% vs 0% on 1.0.0 at stage 1 (100%) exceeds the +1% gate"))
    }

    @Test func waitsForEveryDeviceThenSoaksThenAdvances() {
        let rollout = rollout(stages: [50, 100], soak: 60)
        let fleet = devices(40)
        let cohort = fleet.filter { rollout.reaches(deviceID: $0.id, labels: $0.labels) }
        #expect(!cohort.isEmpty && cohort.count < 40)
        var reports = cohort.dropFirst().map { report($0.id, Self.v2, .ok) }
        var health = RolloutEvaluator.stageHealth(rollout, devices: fleet, health: reports)
        #expect(health.devices == cohort.count && health.pending == 1 && health.installed == cohort.count - 1)
        #expect(RolloutEvaluator.decide(rollout, health, now: start) == .hold("waiting for 1 of \(cohort.count) devices to report"))

        reports.append(report(cohort[0].id, Self.v2, .ok))
        health = RolloutEvaluator.stageHealth(rollout, devices: fleet, health: reports)
        guard case .hold = RolloutEvaluator.decide(rollout, health, now: Timestamp(secondsSinceEpoch: start.secondsSinceEpoch + 59)) else {
            Issue.record("advanced before the soak time passed")
            return
        }
        #expect(RolloutEvaluator.decide(rollout, health, now: Timestamp(secondsSinceEpoch: start.secondsSinceEpoch + 60)) == .advance)
        var last = rollout
        last.stage = 1
        #expect(
            RolloutEvaluator.decide(
                last, RolloutEvaluator.stageHealth(last, devices: fleet, health: fleet.map { report($0.id, Self.v2, .ok) }),
                now: Timestamp(secondsSinceEpoch: start.secondsSinceEpoch + 60)) == .complete)
    }

    @Test func devicesOutsideTheSelectorAreNotInTheStage() {
        let health = RolloutEvaluator.stageHealth(rollout(), devices: devices(5, labels: ["type": "gateway"]), health: [])
        #expect(health.devices == 0)
        #expect(RolloutEvaluator.decide(rollout(), health, now: start) == .complete)
    }

    /// Failures count over the whole stage: one failed self-test in 10 devices is 10%, over a 2% gate,
    /// even while the other nine have not reported.
    @Test func selfTestFailuresPauseBeforeEveryoneReports() {
        let fleet = devices(10)
        let health = RolloutEvaluator.stageHealth(rollout(), devices: fleet, health: [report("d3", Self.v2, .failed, selfTest: .failed)])
        #expect(health.selfTestFailures == 1 && health.installFailures == 0 && health.pending == 9)
        #expect(
            RolloutEvaluator.decide(rollout(), health, now: start) == .pause("self-test failures: 1 of 10 devices (10%) at stage 1 (100%) exceed the 2% gate"))
    }

    @Test func installFailuresWithinTheGateDoNotPause() {
        let fleet = devices(100)
        var reports = fleet.map { report($0.id, Self.v2, .ok) }
        reports[0] = report("d0", Self.v2, .failed, selfTest: nil)
        reports[1] = report("d1", Self.v2, .failed, selfTest: nil)
        let health = RolloutEvaluator.stageHealth(rollout(), devices: fleet, health: reports)
        #expect(health.installFailures == 2)
        #expect(RolloutEvaluator.decide(rollout(), health, now: start) == .complete)
        reports[2] = report("d2", Self.v2, .failed, selfTest: nil)
        #expect(
            RolloutEvaluator.decide(rollout(), RolloutEvaluator.stageHealth(rollout(), devices: fleet, health: reports), now: start)
                == .pause("install failures: 3 of 100 devices (3%) at stage 1 (100%) exceed the 2% gate"))
    }

    /// p95 on the new version against the previous version on the same devices.
    @Test func aLatencyRegressionOverTheGatePauses() {
        let fleet = devices(4)
        let old = fleet.map { report($0.id, Self.v1, .ok, p95: 10) }
        let slower = fleet.map { report($0.id, Self.v2, .ok, p95: 12.5) }
        let health = RolloutEvaluator.stageHealth(rollout(), devices: fleet, health: old + slower)
        #expect(health.p95Milliseconds == 12.5 && health.previousP95Milliseconds == 10)
        #expect(
            RolloutEvaluator.decide(rollout(), health, now: start)
                == .pause("p95 latency 12.5 ms vs 10.0 ms on 1.0.0 (+25%) at stage 1 (100%) exceeds the +20% gate"))
        let fine = fleet.map { report($0.id, Self.v2, .ok, p95: 11.5) }
        #expect(RolloutEvaluator.decide(rollout(), RolloutEvaluator.stageHealth(rollout(), devices: fleet, health: old + fine), now: start) == .complete)
    }
}
