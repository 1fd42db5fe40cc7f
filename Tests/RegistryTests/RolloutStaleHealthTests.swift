import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// Gates used to count every report ever stored for the version, so re-rolling out a version after a
/// rollback paused at once on the old attempt's failures (or advanced on its old successes).
@Suite struct RolloutStaleHealthTests {
    @Test func reportsFromBeforeTheRolloutAreNotCounted() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        for major in [1, 2] { try await publisher.publishDigits(major: major, to: registry.admin) }
        let v2 = SemanticVersion(major: 2, minor: 0, patch: 0)
        let failed = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let passed = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        // An hour ago, an earlier attempt at 2.0.0: one device failed its self-test, the other installed it.
        let anHourAgo = Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch - 3600)
        try await registry.server.store.recordCheckins([
            CheckinRecord(
                deviceID: failed.id, at: anHourAgo,
                report: CheckinRequest(
                    installed: [], state: "failing", installs: [InstallReport(model: "digits-mlp", version: v2, result: .failed, selfTest: .failed)])),
            CheckinRecord(
                deviceID: passed.id, at: anHourAgo,
                report: CheckinRequest(
                    installed: [], state: "idle", installs: [InstallReport(model: "digits-mlp", version: v2, result: .ok, selfTest: .passed)]))
        ])

        let body =
            #"{"model":"digits-mlp","version":"2.0.0","selector":"type=camera","stages":[100],"soakSeconds":0,"gates":{"maxInstallFailureRatio":0.02,"maxSelfTestFailureRatio":0.02}}"#
        let created = try await registry.admin.send(
            "POST", "/v1/rollouts", headers: [("Content-Type", "application/json")], body: Array(body.utf8), expected: [201])
        let id = try JSONDecoder().decode(RolloutStatus.self, from: Data(created.body)).rollout.id
        func status() async throws -> RolloutStatus {
            try JSONDecoder().decode(RolloutStatus.self, from: Data(try await registry.admin.send("GET", "/v1/rollouts/\(id)").body))
        }
        try await registry.server.evaluateRollouts()
        let waiting = try await status()
        #expect(waiting.rollout.state == .active, "\(waiting.rollout.reason ?? "")")
        #expect(waiting.health.pending == 2 && waiting.health.selfTestFailures == 0 && waiting.health.installed == 0)

        for device in [failed, passed] {
            try await device.checkin(
                installed: [("digits-mlp", "2.0.0")], installs: [InstallReport(model: "digits-mlp", version: v2, result: .ok, selfTest: .passed)])
        }
        try await registry.server.evaluateRollouts()
        #expect(try await status().rollout.state == .completed)
    }
}
