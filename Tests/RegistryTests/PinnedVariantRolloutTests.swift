import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// A device whose assignment pins a variant the rollout's version lacks used to be counted in the stage
/// (so the stage waited for it for ever) while its check-in silently sent it nothing.
@Suite struct PinnedVariantRolloutTests {
    @Test func aPinnedVariantTheVersionLacksIsIncompatibleNotPending() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        let file = TestPublisher.corpus("models/digits-mlp/v1.onnx")
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: file, to: registry.admin)
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", variant: "int8", file: file, to: registry.admin)
        try await publisher.publish(model: "digits-mlp", version: "2.0.0", file: TestPublisher.corpus("models/digits-mlp/v2.onnx"), to: registry.admin)
        _ = try await registry.admin.send(
            "PUT", "/v1/assignments", body: Array(#"{"model":"digits-mlp","selector":"type=camera,site=a","variant":"int8"}"#.utf8))
        let pinned = try await SimulatedDevice.enroll(registry, labels: ["type": "camera", "site": "a"])
        let plain = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])

        let body =
            #"{"model":"digits-mlp","version":"2.0.0","selector":"type=camera","stages":[100],"soakSeconds":0,"gates":{"maxInstallFailureRatio":0.02,"maxSelfTestFailureRatio":0.02}}"#
        let created = try await registry.admin.send(
            "POST", "/v1/rollouts", headers: [("Content-Type", "application/json")], body: Array(body.utf8), expected: [201])
        let status = try JSONDecoder().decode(RolloutStatus.self, from: Data(created.body))
        #expect(status.health.devices == 1 && status.health.incompatible == 1 && status.health.pending == 1)

        #expect(try await pinned.checkin().isEmpty)
        let detail = try JSONDecoder().decode(DeviceDetail.self, from: Data(try await registry.admin.send("GET", "/v1/devices/\(pinned.id)").body))
        #expect(detail.incompatible.map(\.reasons) == [["int8: pinned by the assignment, but 2.0.0 has no such variant"]])

        try await plain.checkin(
            installed: [("digits-mlp", "2.0.0")],
            installs: [InstallReport(model: "digits-mlp", version: SemanticVersion(major: 2, minor: 0, patch: 0), result: .ok, selfTest: .passed)])
        try await registry.server.evaluateRollouts()
        let after = try JSONDecoder().decode(RolloutStatus.self, from: Data(try await registry.admin.send("GET", "/v1/rollouts/\(status.rollout.id)").body))
        #expect(after.rollout.state == .completed, "\(after.rollout.reason ?? "")")
    }
}
