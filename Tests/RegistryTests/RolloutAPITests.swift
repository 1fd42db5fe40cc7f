import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// Rollouts over real HTTP against a real registry (SQLite file on disk), with simulated devices.
@Suite struct RolloutAPITests {
    let registry: RegistryHarness
    let publisher: TestPublisher

    init() async throws {
        registry = try await RegistryHarness.start()
        publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        for (version, file) in [("1.0.0", "v1"), ("2.0.0", "v2")] {
            try await publisher.publish(model: "digits-mlp", version: version, file: TestPublisher.corpus("models/digits-mlp/\(file).onnx"), to: registry.admin)
        }
    }

    func create(_ body: String, token: String? = nil) async throws -> HTTPResponse {
        try await registry.raw(
            "POST", "/v1/rollouts", token: token ?? registry.adminToken, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }

    static let twoStages =
        #"{"model":"digits-mlp","version":"2.0.0","selector":"type=camera","stages":[50,100],"soakSeconds":0,"gates":{"maxInstallFailureRatio":0.02,"maxSelfTestFailureRatio":0.02}}"#

    func status(_ response: HTTPResponse) throws -> RolloutStatus {
        try JSONDecoder().decode(RolloutStatus.self, from: Data(response.body))
    }

    @Test func oneRolloutInFlightPerModelUnlessSuperseded() async throws {
        // A targeted device that never installs keeps the first rollout in flight: with none, the scheduler
        // (every second) could complete it before it is superseded (it did, in a full run on a loaded machine).
        _ = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let first = try await create(Self.twoStages)
        #expect(first.status == 201, "\(first.text)")
        let rollout = try status(first).rollout
        #expect(rollout.state == .active && rollout.stage == 0 && rollout.previousVersion == SemanticVersion(major: 1, minor: 0, patch: 0))
        #expect(rollout.createdBy == "admin.token")

        let refused = try await create(Self.twoStages)
        #expect(refused.status == 409)
        #expect(RegistryClient.failure(refused).message.contains("already has rollout \(rollout.id) in flight"))

        let superseding = try await create(Self.twoStages.replacingOccurrences(of: "\"soakSeconds\":0", with: "\"soakSeconds\":0,\"supersede\":true"))
        #expect(superseding.status == 201)
        let listed = try JSONDecoder().decode([String: [Rollout]].self, from: Data(try await registry.admin.send("GET", "/v1/rollouts").body))["rollouts"] ?? []
        #expect(listed.map(\.state) == [.aborted, .active])
        #expect(listed.first?.reason == "superseded by rollout \(try status(superseding).rollout.id)")
    }

    @Test func badRequestsAreRefusedWithReasons() async throws {
        let noVersion = try await create(Self.twoStages.replacingOccurrences(of: "2.0.0", with: "9.0.0"))
        #expect(noVersion.status == 404)
        #expect(RegistryClient.failure(noVersion).message == "digits-mlp has no committed version 9.0.0; push it first")
        let badStages = try await create(Self.twoStages.replacingOccurrences(of: "[50,100]", with: "[50,20]"))
        #expect(badStages.status == 400)
        #expect(RegistryClient.failure(badStages).message.hasPrefix("stages must be increasing percentages between 1 and 100"))
        let badGate = try await create(Self.twoStages.replacingOccurrences(of: "\"maxInstallFailureRatio\":0.02", with: "\"maxInstallFailureRatio\":2"))
        #expect(badGate.status == 400)
        // A read-only token may not start rollouts.
        let made = try await registry.admin.send("POST", "/v1/tokens", body: Array(#"{"scopes":["read"],"label":"dashboard"}"#.utf8), expected: [201])
        let reader = try JSONDecoder().decode([String: String].self, from: Data(made.body))["token"] ?? ""
        #expect(try await create(Self.twoStages, token: reader).status == 403)
    }

    /// Devices in the reached cohort get the new version, the rest the assigned one; the stage advances
    /// once the cohort reported, and an operator's pause holds it. Every change is in the audit log.
    @Test func cohortsGetTheNewVersionAndStagesAdvance() async throws {
        var devices: [SimulatedDevice] = []
        for _ in 0..<12 { devices.append(try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])) }
        let other = try await SimulatedDevice.enroll(registry, labels: ["type": "gateway"])
        let rollout = try status(try await create(Self.twoStages)).rollout
        let v1 = try SemanticVersion(parsing: "1.0.0")
        let v2 = try SemanticVersion(parsing: "2.0.0")

        // The assignment is unpinned, yet 2.0.0 reaches devices only through the rollout.
        var inStage: [SimulatedDevice] = []
        for device in devices {
            let desired = try await device.checkin(installed: [("digits-mlp", "1.0.0")])
            let reached = Cohort.contains(deviceID: device.id, rolloutID: rollout.id, percent: 50)
            #expect(desired.map(\.version) == [reached ? v2 : v1])
            if reached { inStage.append(device) }
        }
        #expect(try await other.checkin().isEmpty)
        try await registry.server.evaluateRollouts()
        #expect(try await rolloutStatus(rollout.id).rollout.stage == 0, "advanced before the stage's devices reported")

        try await pause(rollout.id, expecting: 200)
        try await pause(rollout.id, expecting: 409)
        for device in inStage {
            try await device.checkin(
                installed: [("digits-mlp", "2.0.0")], installs: [InstallReport(model: "digits-mlp", version: v2, result: .ok, selfTest: .passed)])
        }
        try await registry.server.evaluateRollouts()
        let paused = try await rolloutStatus(rollout.id)
        #expect(paused.rollout.state == .paused && paused.rollout.stage == 0)
        #expect(paused.health.installed == inStage.count && paused.health.pending == 0)

        _ = try await registry.admin.send("POST", "/v1/rollouts/\(rollout.id)/resume", body: Array("{}".utf8))
        try await registry.server.evaluateRollouts()
        let advanced = try await rolloutStatus(rollout.id)
        #expect(advanced.rollout.stage == 1 && advanced.rollout.state == .active)
        for device in devices { #expect(try await device.checkin().map(\.version) == [v2]) }

        let audit = try JSONDecoder().decode([String: [AuditEntry]].self, from: Data(try await registry.admin.send("GET", "/v1/audit").body))["entries"] ?? []
        let rolloutLines = audit.filter { $0.subject == rollout.id }.map { "\($0.actor) \($0.action)" }
        #expect(rolloutLines == ["admin.token rollout.create", "admin.token rollout.pause", "admin.token rollout.resume", "registry rollout.advanced"])
        // The audit keeps each stage's evidence with its decision.
        let advancedDetail = audit.first { $0.subject == rollout.id && $0.action == "rollout.advanced" }?.detail ?? ""
        #expect(
            advancedDetail.contains("[stage 1 (\(paused.rollout.percent)%): \(inStage.count) devices, \(inStage.count) installed, 0 install failures"),
            "\(advancedDetail)")
        #expect(audit.contains { $0.action == "publisher.register" } && audit.contains { $0.action == "version.commit" })
        let future = try await registry.admin.send("GET", "/v1/audit?since=2999-01-01T00:00:00Z").text
        #expect(future == #"{"entries":[]}"#)
    }

    /// A rollback needs the directive for exactly this rollout, signed by a registered publisher.
    @Test func rollbackNeedsARegisteredPublishersDirective() async throws {
        // A targeted device that never reports keeps the rollout active: with none, the scheduler would
        // complete it within a second, and a completed rollout is not rolled back.
        _ = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let rollout = try status(try await create(Self.twoStages)).rollout
        let v1 = try SemanticVersion(parsing: "1.0.0")
        let v2 = try SemanticVersion(parsing: "2.0.0")
        func rollback(_ directive: RollbackDirective) async throws -> HTTPResponse {
            let body = try JSONEncoder().encode(RollbackRequest(directive: directive))
            return try await registry.raw("POST", "/v1/rollouts/\(rollout.id)/rollback", token: registry.adminToken, body: Array(body))
        }
        let stranger = try await rollback(try RollbackDirective(model: "digits-mlp", from: v2, to: v1, key: .generate()))
        #expect(stranger.status == 422)
        #expect(RegistryClient.failure(stranger).message.contains("not among the 1 trusted key(s)"))
        var tampered = try RollbackDirective(model: "digits-mlp", from: v2, to: v1, key: publisher.key)
        tampered.issuedAt = Timestamp(secondsSinceEpoch: tampered.issuedAt.secondsSinceEpoch + 1)
        #expect(try await rollback(tampered).status == 422)
        let accepted = try await rollback(try RollbackDirective(model: "digits-mlp", from: v2, to: v1, key: publisher.key))
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect(try status(accepted).rollout.state == .rolledBack)
    }

    /// Inference stats from check-ins reach the latency gate: the same devices' p95 on 2.0.0 against 1.0.0.
    @Test func aP95RegressionReportedByDevicesPausesTheRollout() async throws {
        let v1 = SemanticVersion(major: 1, minor: 0, patch: 0)
        let v2 = SemanticVersion(major: 2, minor: 0, patch: 0)
        var devices: [SimulatedDevice] = []
        for _ in 0..<4 {
            let device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
            try await device.checkin(
                installed: [("digits-mlp", "1.0.0")], installs: [InstallReport(model: "digits-mlp", version: v1, result: .ok, selfTest: .passed)],
                stats: [InferenceStats(model: "digits-mlp", version: v1, count: 500, errors: 0, latencyP50Milliseconds: 1, latencyP95Milliseconds: 2)])
            devices.append(device)
        }
        let body = Self.twoStages.replacingOccurrences(of: "[50,100]", with: "[100]").replacingOccurrences(
            of: "\"maxSelfTestFailureRatio\":0.02", with: "\"maxSelfTestFailureRatio\":0.02,\"maxP95Regression\":0.2")
        let rollout = try status(try await create(body)).rollout
        for device in devices {
            try await device.checkin(
                installed: [("digits-mlp", "2.0.0")], installs: [InstallReport(model: "digits-mlp", version: v2, result: .ok, selfTest: .passed)],
                stats: [
                    InferenceStats(model: "digits-mlp", version: v1, count: 500, errors: 0, latencyP50Milliseconds: 1, latencyP95Milliseconds: 2),
                    InferenceStats(model: "digits-mlp", version: v2, count: 80, errors: 0, latencyP50Milliseconds: 1.5, latencyP95Milliseconds: 3)
                ])
        }
        try await registry.server.evaluateRollouts()
        let paused = try await rolloutStatus(rollout.id)
        #expect(paused.rollout.state == .paused)
        #expect(paused.rollout.reason == "p95 latency 3.0 ms vs 2.0 ms on 1.0.0 (+50%) at stage 1 (100%) exceeds the +20% gate")
        #expect(paused.health.p95Milliseconds == 3 && paused.health.previousP95Milliseconds == 2)
    }

    @Test func devicesAreListedByLabelsAndStateAndRelabelled() async throws {
        let camera = try await SimulatedDevice.enroll(registry, labels: ["type": "camera", "site": "eu"])
        let gateway = try await SimulatedDevice.enroll(registry, labels: ["type": "gateway"])
        try await camera.checkin(
            installed: [], installs: [InstallReport(model: "digits-mlp", version: try SemanticVersion(parsing: "2.0.0"), result: .failed, message: "no space")])
        func list(_ query: String) async throws -> [DeviceSummary] {
            try JSONDecoder().decode([String: [DeviceSummary]].self, from: Data(try await registry.admin.send("GET", "/v1/devices" + query).body))["devices"]
                ?? []
        }
        #expect(try await list("?select=type%3Dcamera").map(\.id) == [camera.id])
        #expect(try await list("?state=failing").map(\.id) == [camera.id])
        #expect(try await list("?state=enrolled").map(\.id) == [gateway.id])
        #expect(try await registry.raw("GET", "/v1/devices?state=sleepy", token: registry.adminToken).status == 400)

        let relabelled = try await registry.admin.send("PUT", "/v1/devices/\(gateway.id)/labels", body: Array(#"{"labels":{"type":"camera"}}"#.utf8))
        #expect(try JSONDecoder().decode(DeviceDetail.self, from: Data(relabelled.body)).desired.map(\.model) == ["digits-mlp"])
        #expect(try await list("?select=type%3Dcamera").count == 2)
        #expect(try await registry.raw("PUT", "/v1/devices/nope/labels", token: registry.adminToken, body: Array(#"{"labels":{}}"#.utf8)).status == 404)
        let status = try JSONDecoder().decode(FleetStatus.self, from: Data(try await registry.admin.send("GET", "/v1/fleet/status").body))
        #expect(status.devices == 2 && status.states["failing"] == 1)
        #expect(status.versions.first { $0.version.description == "2.0.0" }?.installFailures == 1)
    }

    func rolloutStatus(_ id: String) async throws -> RolloutStatus {
        try status(try await registry.admin.send("GET", "/v1/rollouts/\(id)"))
    }

    func pause(_ id: String, expecting code: Int) async throws {
        #expect(try await registry.raw("POST", "/v1/rollouts/\(id)/pause", token: registry.adminToken, body: Array("{}".utf8)).status == code)
    }
}
