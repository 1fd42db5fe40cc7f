import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Agent

/// An agent that pins a root, not publisher keys: it follows the root's trust documents through a
/// real registry, refuses what they revoke, and installs nothing new under an expired one.
@Suite struct DeviceTrustTests {
    let registry: RegistryHarness
    let alice: TestPublisher
    let bob = TestPublisher()
    let root = PublisherPrivateKey.generate()
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path

    init() async throws {
        registry = try await RegistryHarness.start()
        alice = try await registry.publisher(assigning: "digits-mlp", selector: "type=camera")
    }

    func agent(root pinned: PublisherPublicKey? = nil) throws -> SyncEngine {
        var settings = AgentSettings(
            registry: registry.baseURL, enrollToken: registry.enrollToken, dataDirectory: data, trustedKeys: [], labels: ["type": "camera"])
        settings.trustRoot = pinned ?? root.publicKey
        return try SyncEngine(settings: settings)
    }

    func publishTrust(
        _ version: Int, publishers: [TestPublisher], revoked: [TestPublisher] = [], expiresIn: Int64 = 86_400, by signer: PublisherPrivateKey? = nil,
        nextRoot: PublisherPrivateKey? = nil
    ) async throws {
        let now = Timestamp.now()
        let document = try TrustDocument(
            version: version, issuedAt: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch - 60),
            expires: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + expiresIn), publishers: publishers.map(\.key.publicKey),
            revoked: revoked.map(\.key.publicKey.keyID), nextRoot: nextRoot?.publicKey, signedBy: signer ?? root)
        try await registry.admin.publishTrust(try TrustDocumentCoding.encode(document))
    }

    func publish(_ version: String, by publisher: TestPublisher) async throws {
        try await publisher.publish(model: "digits-mlp", version: version, file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
    }

    static func isActivated(_ outcome: SyncEngine.Outcome?) -> Bool {
        if case .activated = outcome?.result { return true }
        return false
    }

    static func refusal(_ outcome: SyncEngine.Outcome?) -> String {
        if case .rejected(let reason) = outcome?.result { return reason }
        return "not rejected: \(String(describing: outcome))"
    }

    @Test func followsTheRootsDocumentsAndRefusesWhatTheyRevoke() async throws {
        try await publishTrust(1, publishers: [alice, bob])
        try await publish("1.0.0", by: alice)
        let engine = try agent()
        #expect(Self.isActivated(try await engine.checkInAndSync().first))

        // Alice's 1.1.0 is committed while she is trusted; then the root revokes her key.
        try await publish("1.1.0", by: alice)
        try await publishTrust(2, publishers: [alice, bob], revoked: [alice])
        let refused = try await engine.checkInAndSync().first
        #expect(Self.refusal(refused).contains("publisher key \(alice.key.publicKey.keyID) is not among the 1 trusted key(s)"))
        #expect(await engine.activeModels().first?.version == SemanticVersion(major: 1, minor: 0, patch: 0))

        try await publish("1.2.0", by: bob)
        #expect(Self.isActivated(try await engine.checkInAndSync().first))

        // The accepted document survives a restart.
        let reloaded = try DeviceTrust(pinned: [], root: root.publicKey, dataDirectory: data)
        #expect(reloaded.version == 2)
    }

    @Test func anExpiredDocumentInstallsNothingNewUntilAFreshOneArrives() async throws {
        try await publishTrust(1, publishers: [alice])
        try await publish("1.0.0", by: alice)
        let engine = try agent()
        #expect(Self.isActivated(try await engine.checkInAndSync().first))
        // v2 is valid when the registry takes it and expired by the time the device reads it (the
        // device still follows it: a chain moves through expired documents).
        try await publishTrust(2, publishers: [alice], expiresIn: 4)
        try await Task.sleep(for: .seconds(4.5))

        try await publish("1.1.0", by: alice)
        let frozen = try await engine.checkInAndSync().first
        #expect(Self.refusal(frozen).contains("trust document v2 expired at"))
        #expect(Self.refusal(frozen).contains("live models keep serving"))
        #expect(await engine.activeModels().first?.version == SemanticVersion(major: 1, minor: 0, patch: 0))

        try await publishTrust(3, publishers: [alice])
        #expect(Self.isActivated(try await engine.checkInAndSync().first))
        #expect(await engine.activeModels().first?.version == SemanticVersion(major: 1, minor: 1, patch: 0))
    }

    /// The root is rotated twice while the device is offline; at its next check-in it follows the
    /// chain (root → second → third) and trusts the publisher the newest document names.
    @Test func anOfflineDeviceFollowsRootRotations() async throws {
        let second = PublisherPrivateKey.generate()
        let third = PublisherPrivateKey.generate()
        try await publishTrust(1, publishers: [alice], nextRoot: second)
        try await publishTrust(2, publishers: [alice], by: second, nextRoot: third)
        try await publishTrust(3, publishers: [bob], by: third)
        try await publish("1.0.0", by: bob)
        let engine = try agent()
        #expect(Self.isActivated(try await engine.checkInAndSync().first))
        let trust = try DeviceTrust(pinned: [], root: root.publicKey, dataDirectory: data)
        #expect(trust.version == 3)
        // The old root can no longer speak: a v4 it signs is refused by the registry, as by devices.
        let refused = try await registry.raw(
            "PUT", "/v1/trust", token: registry.adminToken,
            body: try TrustDocumentCoding.encode(
                TrustDocument(
                    version: 4, expires: Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch + 3600), publishers: [alice.key.publicKey],
                    signedBy: root)))
        #expect(refused.status == 422)
    }

    /// The registry's documents come from another root than the one the device pins: nothing is
    /// accepted, nothing installs, and the refusal is reported to the registry.
    @Test func documentsFromAnotherRootAreRefusedAndReported() async throws {
        let impostor = PublisherPrivateKey.generate()
        try await publishTrust(1, publishers: [alice], by: impostor)
        try await publish("1.0.0", by: alice)
        let engine = try agent()
        let outcome = try await engine.checkInAndSync().first
        #expect(Self.refusal(outcome).contains("no trust document yet from the pinned root"))
        #expect(await engine.activeModels().isEmpty)

        let identity = try await engine.enroll()
        let events = try await registry.raw("GET", "/v1/devices/\(identity.deviceID)/events", token: registry.adminToken).text
        #expect(events.contains("is signed by root \(impostor.publicKey.keyID), but the trusted root is \(root.publicKey.keyID)"))
    }
}
