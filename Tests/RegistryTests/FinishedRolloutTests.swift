import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// A finished rollout used to place its devices forever, over every later assignment: after a completed
/// rollout of 2.0.0 its devices never followed 3.0.0. Now a finished rollout holds its devices only until
/// their assignment resolves to a version newer than the rollout's.
@Suite struct FinishedRolloutTests {
    let registry: RegistryHarness
    let publisher: TestPublisher
    let v1 = SemanticVersion(major: 1, minor: 0, patch: 0), v2 = SemanticVersion(major: 2, minor: 0, patch: 0),
        v3 = SemanticVersion(major: 3, minor: 0, patch: 0)

    init() async throws {
        registry = try await RegistryHarness.start()
        publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        for major in [1, 2] { try await publisher.publishDigits(major: major, to: registry.admin) }
    }

    /// Creates a one-stage rollout of 2.0.0 to every camera and returns its id.
    func rolloutOfV2() async throws -> String {
        let body =
            #"{"model":"digits-mlp","version":"2.0.0","selector":"type=camera","stages":[100],"soakSeconds":0,"gates":{"maxInstallFailureRatio":0.02,"maxSelfTestFailureRatio":0.02}}"#
        let created = try await registry.admin.send(
            "POST", "/v1/rollouts", headers: [("Content-Type", "application/json")], body: Array(body.utf8), expected: [201])
        return try JSONDecoder().decode(RolloutStatus.self, from: Data(created.body)).rollout.id
    }

    func state(_ id: String) async throws -> RolloutState {
        try JSONDecoder().decode(RolloutStatus.self, from: Data(try await registry.admin.send("GET", "/v1/rollouts/\(id)").body)).rollout.state
    }

    @Test func devicesOfACompletedRolloutFollowANewerLatest() async throws {
        let devices = [
            try await SimulatedDevice.enroll(registry, labels: ["type": "camera"]), try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        ]
        let id = try await rolloutOfV2()
        for device in devices {
            #expect(try await device.checkin().map(\.version) == [v2])
            try await device.checkin(
                installed: [("digits-mlp", "2.0.0")], installs: [InstallReport(model: "digits-mlp", version: v2, result: .ok, selfTest: .passed)])
        }
        try await registry.server.evaluateRollouts()
        #expect(try await state(id) == .completed)

        try await publisher.publishDigits(major: 3, to: registry.admin)
        for device in devices { #expect(try await device.checkin(installed: [("digits-mlp", "2.0.0")]).map(\.version) == [v3]) }
    }

    /// An aborted rollout holds its devices on its version (the assignment's latest, 1.0.0, would be a
    /// downgrade they refuse without a directive) until a newer version is assigned.
    @Test func devicesOfAnAbortedRolloutStayUntilANewerPin() async throws {
        let device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let id = try await rolloutOfV2()
        _ = try await registry.admin.send("POST", "/v1/rollouts/\(id)/abort", body: Array("{}".utf8))
        #expect(try await device.checkin().map(\.version) == [v2])

        try await publisher.publishDigits(major: 3, to: registry.admin)
        _ = try await registry.admin.send("PUT", "/v1/assignments", body: Array(#"{"model":"digits-mlp","selector":"type=camera","version":"3.0.0"}"#.utf8))
        #expect(try await device.checkin().map(\.version) == [v3])
    }

    /// A rollback sends the stage back to 1.0.0 with the directive; a version pushed later reaches them.
    @Test func devicesOfARolledBackRolloutFollowANewerPush() async throws {
        let device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let id = try await rolloutOfV2()
        #expect(try await device.checkin().map(\.version) == [v2])
        let directive = try RollbackDirective(model: "digits-mlp", from: v2, to: v1, key: publisher.key)
        _ = try await registry.admin.send("POST", "/v1/rollouts/\(id)/rollback", body: Array(try JSONEncoder().encode(RollbackRequest(directive: directive))))
        let back = try await device.checkin(installed: [("digits-mlp", "2.0.0")])
        #expect(back.map(\.version) == [v1] && back.first?.rollback == directive)

        try await publisher.publishDigits(major: 3, to: registry.admin)
        let forward = try await device.checkin(installed: [("digits-mlp", "1.0.0")])
        #expect(forward.map(\.version) == [v3] && forward.first?.rollback == nil)
    }
}
