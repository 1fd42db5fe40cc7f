import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// A soak long enough to overflow the clock used to trap the scheduler on every tick, and again after a
/// restart (the rollout is persisted). Creation now refuses it; a row that is already stored holds.
@Suite struct RolloutSoakLimitTests {
    @Test func aSoakOverThirtyDaysIsRefusedWithAReason() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let body =
            #"{"model":"digits-mlp","version":"1.0.0","selector":"type=camera","stages":[100],"soakSeconds":9223372036854775807,"gates":{"maxInstallFailureRatio":0.02,"maxSelfTestFailureRatio":0.02}}"#
        let refused = try await registry.raw(
            "POST", "/v1/rollouts", token: registry.adminToken, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        #expect(refused.status == 400)
        #expect(RegistryClient.failure(refused).message == "soakSeconds must be between 0 and 2592000 (30 days), got 9223372036854775807")
    }

    /// A rollout stored before the limit existed (written straight to SQLite) is evaluated without trapping:
    /// its soak is clamped to 30 days, so it holds.
    @Test func aStoredRolloutWithAHugeSoakHolds() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let now = Timestamp.now()
        let stored = Rollout(
            id: "ro-huge-soak", model: "digits-mlp", version: SemanticVersion(major: 1, minor: 0, patch: 0), previousVersion: nil,
            selector: "type=camera", stages: [100], soakSeconds: .max, gates: RolloutGates(), stageStartedAt: now, createdAt: now, createdBy: "test")
        _ = try await registry.server.store.createRollout(
            stored, superseding: false,
            audit: AuditEntry(at: now, actor: "test", action: "rollout.create", subject: stored.id, detail: ""))
        #expect(try await registry.server.evaluateRollouts().isEmpty)
        let status = try JSONDecoder().decode(RolloutStatus.self, from: Data(try await registry.admin.send("GET", "/v1/rollouts/\(stored.id)").body))
        #expect(status.rollout.state == .active)
        #expect(stored.soakEndsAt == Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + Int64(Rollout.maximumSoakSeconds)))
    }
}
