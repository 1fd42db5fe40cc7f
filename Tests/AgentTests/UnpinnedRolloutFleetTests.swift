import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Agent
@testable import Registry

/// Devices following the latest (unpinned assignment) while a version is pushed and its rollout created
/// right after: devices check in between the two, as a real fleet would.
@Suite(.serialized) struct UnpinnedRolloutFleetTests {
    static let v1 = SemanticVersion(major: 1, minor: 0, patch: 0), v2 = SemanticVersion(major: 2, minor: 0, patch: 0)

    @Test func noDeviceOutsideStageOneInstallsAVersionPushedRightBeforeItsRollout() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let fleet = try await AgentFleet(count: 40, registry: registry, trusting: publisher.key.publicKey, labels: ["type": "camera"])
        try await fleet.round()
        let before = await fleet.live("digits-mlp")
        #expect(Set(before.values) == [Self.v1] && before.count == 40)

        // Pushed held (`fleetctl push --hold`): without it every device following the latest got 2.0.0 here.
        try await publisher.publish(
            model: "digits-mlp", version: "2.0.0", file: TestPublisher.corpus("models/digits-mlp/v2.onnx"), hold: true, to: registry.admin)
        // The fleet checks in between the push and the rollout.
        try await fleet.round()
        #expect(await fleet.live("digits-mlp").filter { $0.value == Self.v2 }.isEmpty, "2.0.0 reached devices before any rollout named it")

        let request = RolloutRequest(model: "digits-mlp", version: Self.v2, selector: "type=camera", stages: [25, 100], soakSeconds: 0, gates: RolloutGates())
        let created = try await registry.admin.send("POST", "/v1/rollouts", body: [UInt8](try JSONEncoder().encode(request)), expected: [201])
        let rollout = try JSONDecoder().decode(RolloutStatus.self, from: Data(created.body)).rollout
        #expect(rollout.previousVersion == Self.v1)
        let stageOne = Set(fleet.members.map(\.id).filter { Cohort.contains(deviceID: $0, rolloutID: rollout.id, percent: 25) })
        try await fleet.round()
        #expect(Set(await fleet.live("digits-mlp").filter { $0.value == Self.v2 }.keys) == stageOne)

        // The rollout goes on to every device and completes; they stay on 2.0.0, now the latest.
        for _ in 0..<4 {
            try await registry.server.evaluateRollouts()
            try await fleet.round()
        }
        #expect(
            try JSONDecoder().decode(RolloutStatus.self, from: Data(try await registry.admin.send("GET", "/v1/rollouts/\(rollout.id)").body)).rollout.state
                == .completed)
        #expect(Set(await fleet.live("digits-mlp").values) == [Self.v2])
    }
}
