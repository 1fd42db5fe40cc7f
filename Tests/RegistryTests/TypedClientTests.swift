import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

/// Every typed `RegistryClient` call against a real registry over loopback: the wire types decode what the
/// routes encode, and the JSON a reply keeps is the registry's, byte for byte.
@Suite struct TypedClientTests {
    let registry: RegistryHarness
    let publisher: TestPublisher
    let v1 = SemanticVersion(major: 1, minor: 0, patch: 0), v2 = SemanticVersion(major: 2, minor: 0, patch: 0)

    init() async throws {
        registry = try await RegistryHarness.start()
        publisher = TestPublisher()
    }

    @Test func publishersAndVersions() async throws {
        let keyID = try await registry.admin.registerPublisher(publisher.key.publicKey)
        #expect(keyID == publisher.key.publicKey.keyID)
        let publishers = try await registry.admin.publishers()
        #expect(publishers.value.publishers.map(\.keyID) == [keyID])
        #expect(publishers.json == (try await registry.admin.send("GET", "/v1/publishers")).body)

        let manifest = try publisher.manifest(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))
        try await publisher.upload(manifest, to: registry.admin)
        let committed = try await registry.admin.commit(try ManifestCoding.encode(manifest), model: "digits-mlp")
        #expect(committed.version == v1 && committed.variant == "fp32" && committed.totalSize == manifest.totalSize)

        #expect(try await registry.admin.models().value.models == [ModelSummary(name: "digits-mlp", latest: v1, versions: 1, variants: ["fp32"])])
        #expect(try await registry.admin.versions(of: "digits-mlp").value.versions == [committed])
        await #expect(throws: RegistryClient.Failure.self) { try await registry.admin.versions(of: "nope") }

        let chunk = try #require(manifest.files.first?.chunks.first)
        #expect(try await registry.admin.chunkForm(chunk.digest) == StoredChunkForm(length: chunk.length, storedLength: chunk.storedLength, codec: chunk.codec))
        #expect(try await registry.admin.chunkForm(Digest.of([9, 9, 9])) == nil)
    }

    @Test func assignmentsAndTokens() async throws {
        let stored = try await registry.admin.assign(AssignmentRequest(model: "digits-mlp", selector: "type=camera,site=eu", version: v1))
        // The registry answers the selector in its one spelling.
        #expect(stored.value.selector == "site=eu,type=camera" && stored.value.version == v1 && stored.value.variant == nil)
        #expect(try await registry.admin.assignments().value.assignments == [stored.value])

        let created = try await registry.admin.createToken(TokenRequest(scopes: [.read], label: "dashboard"))
        let reader = registry.client(token: created.value.token)
        #expect(try await reader.models().value.models.isEmpty)
        await #expect(throws: RegistryClient.Failure.self) { try await reader.assignments() }
        #expect(try await reader.metrics().contains("# TYPE"))
        #expect(try await registry.client(token: "").isHealthy())

        let log = try await registry.admin.audit()
        #expect(log.value.entries.map(\.action) == ["assignment.set", "token.create"])
        let future = Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch + 3600)
        #expect(try await registry.admin.audit(since: future).value.entries.isEmpty)
    }

    @Test func devicesLabelsAndEvents() async throws {
        let device = try await SimulatedDevice.enroll(registry, labels: ["site": "eu"])
        let accepted = try await device.client.report(deviceID: device.id, EventBatch(events: [DeviceEvent(kind: "install", model: "digits-mlp", at: .now())]))
        #expect(accepted == 1)
        #expect(try await registry.admin.events(deviceID: device.id).value.events.map(\.event.kind) == ["install"])

        let labelled = try await registry.admin.setLabels(deviceID: device.id, ["site": "us", "type": "camera"])
        #expect(labelled.value.device.labels == ["site": "us", "type": "camera"])
        #expect(try await registry.admin.device(id: device.id).value == labelled.value)
        #expect(try await registry.admin.devices(selector: "type=camera").value.devices.map(\.id) == [device.id])
        #expect(try await registry.admin.devices(selector: "site=eu").value.devices.isEmpty)
        #expect(try await registry.admin.devices(state: "enrolled").value.devices.map(\.id) == [device.id])
        #expect(try await registry.admin.fleetStatus().value.devices == 1)
        await #expect(throws: RegistryClient.Failure.self) { try await registry.admin.device(id: "d-missing") }
    }

    @Test func rolloutLifecycle() async throws {
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
        try await publisher.publishDigits(major: 1, to: registry.admin)
        try await publisher.publishDigits(major: 2, to: registry.admin)
        // A targeted device that never installs holds the rollout at its stage: with no device at all, the
        // scheduler (every second) could complete it before the actions below, and a completed rollout
        // refuses a rollback.
        _ = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let request = RolloutRequest(model: "digits-mlp", version: v2, selector: "type=camera", stages: [50, 100], soakSeconds: 0, gates: RolloutGates())
        let created = try await registry.admin.createRollout(request)
        let id = created.value.rollout.id
        #expect(created.value.rollout.state == .active && created.value.rollout.previousVersion == v1)
        #expect(try await registry.admin.rollouts().value.rollouts.map(\.id) == [id])

        #expect(try await registry.admin.apply(.pause, toRollout: id).value.rollout.state == .paused)
        #expect(try await registry.admin.apply(.resume, toRollout: id).value.rollout.state == .active)
        await #expect(throws: RegistryClient.Failure.self) { try await registry.admin.apply(.rollback, toRollout: id) }
        let directive = try RollbackDirective(model: "digits-mlp", from: v2, to: v1, key: publisher.key)
        let rolledBack = try await registry.admin.apply(.rollback, toRollout: id, directive: directive)
        #expect(rolledBack.value.rollout.state == .rolledBack && rolledBack.value.rollout.rollback == directive)
        #expect(try await registry.admin.rollout(id: id).value == rolledBack.value)
        let refused = await #expect(throws: RegistryClient.Failure.self) { try await registry.admin.apply(.abort, toRollout: id) }
        #expect(refused?.status == 409)
    }
}
