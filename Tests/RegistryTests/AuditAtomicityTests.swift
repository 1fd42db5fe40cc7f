import FleetCore
import FleetHTTP
import Foundation
import TestProcesses
import TestSupport
import Testing

@testable import Registry

/// An operator's change and its audit line are one transaction: when the audit line cannot be written,
/// the change is not stored either (it used to be stored, then the audit insert failed on its own).
@Suite struct AuditAtomicityTests {
    /// Makes every audit insert fail from now on, with a trigger added through the sqlite3 tool.
    func refuseAuditLines(_ registry: RegistryHarness) throws {
        let sqlite = SpawnedProcess()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = [
            "sqlite3", registry.dataDirectory + "/registry.sqlite",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit refused by test'); END;"
        ]
        try sqlite.run()
        sqlite.waitUntilExit()
        #expect(sqlite.terminationStatus == 0, "sqlite3 could not add the trigger")
    }

    @Test func anAssignmentOrPublisherWithoutItsAuditLineIsNotStored() async throws {
        let registry = try await RegistryHarness.start()
        try refuseAuditLines(registry)
        let assignment = try await registry.raw(
            "PUT", "/v1/assignments", token: registry.adminToken, body: Array(#"{"model":"digits-mlp","selector":"type=camera"}"#.utf8))
        #expect(assignment.status == 500)
        #expect(try await registry.admin.send("GET", "/v1/assignments").text == #"{"assignments":[]}"#)

        let key = TestPublisher().key.publicKey
        let body = try JSONEncoder().encode(["publicKeyPEM": key.pem])
        #expect(try await registry.raw("POST", "/v1/publishers", token: registry.adminToken, body: Array(body)).status == 500)
        #expect(try await registry.admin.send("GET", "/v1/publishers").text == #"{"publishers":[]}"#)
    }

    /// The directive is optional in the body so that a rollback without one hears what it needs.
    @Test func aRollbackWithoutADirectiveSaysWhatItNeeds() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        for major in [1, 2] { try await publisher.publishDigits(major: major, to: registry.admin) }
        // A targeted device that never reports keeps the rollout active (the scheduler completes an empty one).
        _ = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let body =
            #"{"model":"digits-mlp","version":"2.0.0","selector":"type=camera","stages":[100],"soakSeconds":0,"gates":{"maxInstallFailureRatio":0.02,"maxSelfTestFailureRatio":0.02}}"#
        let created = try await registry.admin.send(
            "POST", "/v1/rollouts", headers: [("Content-Type", "application/json")], body: Array(body.utf8), expected: [201])
        let id = try JSONDecoder().decode(RolloutStatus.self, from: Data(created.body)).rollout.id
        let refused = try await registry.raw("POST", "/v1/rollouts/\(id)/rollback", token: registry.adminToken, body: Array("{}".utf8))
        #expect(refused.status == 400)
        #expect(
            RegistryClient.failure(refused).message
                == "a rollback needs a directive signed by a publisher key: {\"directive\": …} (fleetctl rollout rollback --key)")
    }
}
