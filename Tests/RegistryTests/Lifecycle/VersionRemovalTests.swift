import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@Suite struct VersionRemovalTests {
    static let v1 = SemanticVersion(major: 1, minor: 0, patch: 0)
    static let v2 = SemanticVersion(major: 2, minor: 0, patch: 0)

    @Test func aVersionAnAssignmentPinsIsRefusedUnlessForced() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp")
        try await publisher.publishDigits(major: 1, to: registry.admin)
        try await publisher.publishDigits(major: 2, to: registry.admin)
        try await registry.admin.assign(AssignmentRequest(model: "digits-mlp", selector: "type=camera", version: Self.v1))

        // 1.0.0 is pinned by type=camera; 2.0.0 is what the unpinned assignment resolves to.
        for version in [Self.v1, Self.v2] {
            let refused = try await registry.raw("DELETE", "/v1/models/digits-mlp/versions/\(version)", token: registry.adminToken)
            #expect(refused.status == 409)
            let message = RegistryClient.failure(refused).message
            #expect(message.contains("digits-mlp \(version) is still needed"))
            #expect(message.contains(version == Self.v1 ? "assignment 'type=camera' pins 1.0.0" : "assignment '' resolves to 2.0.0"), "\(message)")
        }
        #expect(try await registry.admin.versions(of: "digits-mlp").value.versions.count == 2)

        let removed = try await registry.admin.removeVersion(model: "digits-mlp", version: Self.v1, force: true).value
        #expect(removed.removed.map(\.version) == [Self.v1])
        #expect(try await registry.admin.versions(of: "digits-mlp").value.versions.map(\.version) == [Self.v2])
        let line = try #require(try await registry.admin.audit().value.entries.last { $0.action == "version.remove" })
        #expect(
            line.subject == "digits-mlp" && line.detail.contains("1.0.0 (fp32)") && line.detail.contains("forced past: assignment 'type=camera' pins 1.0.0"))
        let missing = try await registry.raw("DELETE", "/v1/models/digits-mlp/versions/1.0.0", token: registry.adminToken)
        #expect(missing.status == 404)
    }

    @Test func aVersionARolloutInFlightNeedsIsRefused() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        try await publisher.publishDigits(major: 1, to: registry.admin)
        try await registry.admin.assign(AssignmentRequest(model: "digits-mlp", selector: "type=camera", version: Self.v1))
        try await publisher.publishDigits(major: 2, to: registry.admin)
        let rollout = try await registry.admin.createRollout(
            RolloutRequest(model: "digits-mlp", version: Self.v2, selector: "type=camera", stages: [50, 100], soakSeconds: 3600, gates: RolloutGates())
        ).value.rollout
        let refused = try await registry.raw("DELETE", "/v1/models/digits-mlp/versions/2.0.0", token: registry.adminToken)
        #expect(refused.status == 409)
        #expect(RegistryClient.failure(refused).message.contains("rollout \(rollout.id) (active, 1.0.0 -> 2.0.0)"))
        // Forced: the rollout cannot place devices on nothing, so it ends aborted, with its own audit line.
        try await registry.admin.removeVersion(model: "digits-mlp", version: Self.v2, force: true)
        let after = try await registry.admin.rollout(id: rollout.id).value.rollout
        #expect(after.state == .aborted && after.reason == "version 2.0.0 was removed")
    }

    @Test func aModelWithAssignmentsIsRefusedUnlessForcedAndThenGoesWhole() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        try await publisher.publishDigits(major: 1, to: registry.admin)
        try await publisher.publishDigits(major: 2, to: registry.admin)
        let refused = try await registry.raw("DELETE", "/v1/models/digits-mlp", token: registry.adminToken)
        #expect(refused.status == 409)
        #expect(RegistryClient.failure(refused).message.contains("assignment 'type=camera' assigns it"))
        let publishOnly = try await registry.admin.createToken(TokenRequest(scopes: [.publish], label: "ci")).value.token
        #expect(try await registry.raw("DELETE", "/v1/models/digits-mlp?force=true", token: publishOnly).status == 403)

        let removed = try await registry.admin.removeModel("digits-mlp", force: true).value
        #expect(Set(removed.removed.map(\.version)) == [Self.v1, Self.v2])
        #expect(try await registry.admin.models().value.models.isEmpty)
        #expect(try await registry.admin.assignments().value.assignments.isEmpty)
        #expect(try await registry.admin.audit().value.entries.contains { $0.action == "model.remove" && $0.subject == "digits-mlp" })
        // The name can be published again from scratch.
        try await publisher.publishDigits(major: 1, to: registry.admin)
    }

    /// A device running a removed version is not told to drop it: its check-in answer just no longer names it.
    @Test func aDeviceRunningARemovedVersionIsNotToldToRemoveIt() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp")
        try await publisher.publishDigits(major: 1, to: registry.admin)
        let device = try await SimulatedDevice.enroll(registry, labels: [:])
        #expect(try await device.checkin().map(\.version) == [Self.v1])
        try await registry.admin.removeModel("digits-mlp", force: true)
        #expect(try await device.checkin(installed: [("digits-mlp", "1.0.0")]).isEmpty)
        let summary = try #require(try await registry.admin.devices().value.devices.first)
        #expect(summary.installed.map(\.version) == [Self.v1])
    }
}
