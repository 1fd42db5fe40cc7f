import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Agent

/// The agent's side of removal: a decommissioned device stops checking in and says why, a removed
/// version keeps serving, and a changed profile reaches the registry at the next check-in.
@Suite struct LifecycleSyncTests {
    let registry: RegistryHarness
    let publisher: TestPublisher
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path

    init() async throws {
        registry = try await RegistryHarness.start()
        publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        try await publisher.publishDigits(major: 1, to: registry.admin)
    }

    func agent(labels: [String: String] = ["type": "camera"]) throws -> SyncEngine {
        try SyncEngine(
            settings: AgentSettings(
                registry: registry.baseURL, enrollToken: registry.enrollToken, dataDirectory: data,
                trustedKeys: [publisher.key.publicKey], labels: labels))
    }

    func deviceID() throws -> String {
        try String(contentsOfFile: data + "/device.id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func checkinRequests() async throws -> Int {
        let metrics = try await registry.admin.send("GET", "/metrics").text
        return metrics.split(separator: "\n").filter { $0.hasPrefix("modelfleet_http_requests_total{") && $0.contains("checkin") }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    @Test func aDecommissionedDeviceStopsCheckingInAndKeepsItsModel() async throws {
        let engine = try agent()
        _ = try await engine.checkInAndSync()
        try await registry.admin.decommission(deviceID: try deviceID())

        let error = await #expect(throws: DeviceDecommissioned.self) { try await engine.checkInAndSync() }
        #expect(error?.description.contains("was decommissioned") == true)
        #expect(error?.description.contains("enroll again") == true)
        let requests = try await checkinRequests()
        // Later cycles, and a restarted agent, know it without asking the registry again.
        await #expect(throws: DeviceDecommissioned.self) { try await engine.checkInAndSync() }
        await #expect(throws: DeviceDecommissioned.self) { try await agent().checkInAndSync() }
        #expect(try await checkinRequests() == requests)
        #expect(await engine.activeModels().map(\.version) == [SemanticVersion(major: 1, minor: 0, patch: 0)])
    }

    @Test func aRemovedVersionKeepsServing() async throws {
        let engine = try agent()
        _ = try await engine.checkInAndSync()
        try await registry.admin.removeModel("digits-mlp", force: true)
        #expect(try await engine.checkInAndSync().isEmpty)
        #expect(await engine.activeModels().map(\.version) == [SemanticVersion(major: 1, minor: 0, patch: 0)])
        #expect(FileManager.default.fileExists(atPath: data + "/models/digits-mlp/current/model.onnx"))
    }

    /// Labels changed in the agent's settings reach the registry without re-enrolling, and change what it runs.
    @Test func changedLabelsAreSentAtTheNextCheckin() async throws {
        _ = try await agent(labels: ["type": "gateway"]).checkInAndSync()
        let id = try deviceID()
        #expect(try await registry.admin.device(id: id).value.device.labels == ["type": "gateway"])
        let moved = try await agent(labels: ["type": "camera"]).checkInAndSync()
        #expect(moved.map(\.model) == ["digits-mlp"])
        #expect(try await registry.admin.device(id: id).value.device.labels == ["type": "camera"])
        // Sent once: an operator's label change afterwards is not overwritten by unchanged settings.
        _ = try await registry.admin.setLabels(deviceID: id, ["type": "camera", "site": "eu"])
        _ = try await agent(labels: ["type": "camera"]).checkInAndSync()
        #expect(try await registry.admin.device(id: id).value.device.labels == ["type": "camera", "site": "eu"])
    }
}
