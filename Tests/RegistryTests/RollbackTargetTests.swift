import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// What a rollback returns devices to, and when it is refused.
@Suite struct RollbackTargetTests {
    let registry: RegistryHarness
    let publisher: TestPublisher
    let v1 = SemanticVersion(major: 1, minor: 0, patch: 0), v2 = SemanticVersion(major: 2, minor: 0, patch: 0),
        v3 = SemanticVersion(major: 3, minor: 0, patch: 0)

    init() async throws {
        registry = try await RegistryHarness.start()
        publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
    }

    func publish(_ version: SemanticVersion) async throws {
        try await publisher.publishDigits(major: Int(version.major), to: registry.admin)
    }

    func create(_ version: SemanticVersion) async throws -> Rollout {
        let body =
            #"{"model":"digits-mlp","version":"\#(version)","selector":"type=camera","stages":[100],"soakSeconds":0,"gates":{"maxInstallFailureRatio":0.02,"maxSelfTestFailureRatio":0.02}}"#
        let created = try await registry.admin.send(
            "POST", "/v1/rollouts", headers: [("Content-Type", "application/json")], body: Array(body.utf8), expected: [201])
        return try JSONDecoder().decode(RolloutStatus.self, from: Data(created.body)).rollout
    }

    func rollback(_ id: String, from: SemanticVersion, to: SemanticVersion) async throws -> HTTPResponse {
        let body = try JSONEncoder().encode(RollbackRequest(directive: try RollbackDirective(model: "digits-mlp", from: from, to: to, key: publisher.key)))
        return try await registry.raw("POST", "/v1/rollouts/\(id)/rollback", token: registry.adminToken, body: Array(body))
    }

    /// 2.0.0 was rolled back and never ran; the devices still run 1.0.0. A rollout of 3.0.0 must roll back to
    /// 1.0.0, not to 2.0.0 (the highest version below 3.0.0, the old default).
    @Test func theTargetIsWhatTheDevicesResolvedToNotAKnownBadVersion() async throws {
        for version in [v1, v2] { try await publish(version) }
        let device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let bad = try await create(v2)
        #expect(bad.previousVersion == v1)
        #expect(try await rollback(bad.id, from: v2, to: v1).status == 200)
        #expect(try await device.checkin(installed: [("digits-mlp", "1.0.0")]).map(\.version) == [v1])

        try await publish(v3)
        let next = try await create(v3)
        #expect(next.previousVersion == v1)
        #expect(try await rollback(next.id, from: v3, to: v2).status == 422)
        #expect(try await rollback(next.id, from: v3, to: v1).status == 200)
    }

    @Test func aRolloutWithNothingToGoBackToRefusesRollback() async throws {
        try await publish(v1)
        _ = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let only = try await create(v1)
        #expect(only.previousVersion == nil)
        let refused = try await rollback(only.id, from: v1, to: SemanticVersion(major: 0, minor: 9, patch: 0))
        #expect(refused.status == 409)
        #expect(RegistryClient.failure(refused).message == "rollout \(only.id) has no previous version of digits-mlp to roll back to")
    }

    /// Devices running different versions cannot share one rollback target: the operator names it.
    @Test func devicesOnSeveralVersionsNeedAnExplicitTarget() async throws {
        for version in [v1, v2, v3] { try await publish(version) }
        _ = try await registry.admin.send(
            "PUT", "/v1/assignments", body: Array(#"{"model":"digits-mlp","selector":"type=camera,site=a","version":"1.0.0"}"#.utf8))
        _ = try await SimulatedDevice.enroll(registry, labels: ["type": "camera", "site": "a"])
        _ = try await SimulatedDevice.enroll(registry, labels: ["type": "camera", "site": "b"])
        let body =
            #"{"model":"digits-mlp","version":"3.0.0","selector":"type=camera","stages":[100],"soakSeconds":0,"gates":{"maxInstallFailureRatio":0.02,"maxSelfTestFailureRatio":0.02}}"#
        let refused = try await registry.raw(
            "POST", "/v1/rollouts", token: registry.adminToken, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        #expect(refused.status == 409)
        #expect(
            RegistryClient.failure(refused).message
                == "the devices matching 'type=camera' run several versions of digits-mlp (1.0.0 on 1, 2.0.0 on 1 devices); pass previousVersion to choose the rollback target"
        )
        let named = try await registry.raw(
            "POST", "/v1/rollouts", token: registry.adminToken, headers: [("Content-Type", "application/json")],
            body: Array(body.replacingOccurrences(of: "\"soakSeconds\":0", with: "\"soakSeconds\":0,\"previousVersion\":\"2.0.0\"").utf8))
        #expect(named.status == 201, "\(named.text)")
    }

    /// A completed rollout released its version to every device following the latest; rolling back only
    /// its cohort would strand the rest, so it is refused with what to do instead.
    @Test func aCompletedRolloutIsNotRolledBack() async throws {
        for version in [v1, v2] { try await publish(version) }
        let device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let rollout = try await create(v2)
        try await device.checkin(
            installed: [("digits-mlp", "2.0.0")], installs: [InstallReport(model: "digits-mlp", version: v2, result: .ok, selfTest: .passed)])
        try await registry.server.evaluateRollouts()
        let refused = try await rollback(rollout.id, from: v2, to: v1)
        #expect(refused.status == 409)
        #expect(
            RegistryClient.failure(refused).message.hasPrefix("rollout \(rollout.id) is completed: 2.0.0 was released to every device following the latest"))
        #expect(RegistryClient.failure(refused).message.hasSuffix("roll forward instead (push a fixed version and roll it out), or create a new rollout"))
    }
}
