import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// Trust documents on the registry: the first sets the root, later ones must continue the chain, and
/// the newest decides which publishers may commit.
@Suite struct TrustRoutesTests {
    let root = PublisherPrivateKey.generate()
    let alice = TestPublisher()
    let bob = TestPublisher()

    func document(
        _ version: Int, by root: PublisherPrivateKey? = nil, publishers: [TestPublisher], revoked: [TestPublisher] = [], expiresIn: Int64 = 86_400
    ) throws -> [UInt8] {
        let now = Timestamp.now()
        return try TrustDocumentCoding.encode(
            TrustDocument(
                version: version, issuedAt: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch - 60),
                expires: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + expiresIn), publishers: publishers.map(\.key.publicKey),
                revoked: revoked.map(\.key.publicKey.keyID), signedBy: root ?? self.root))
    }

    func digits(_ version: String) -> String { TestPublisher.corpus("models/digits-mlp/v1.onnx") }

    /// Commits `version` signed by `publisher`; the registry's answer.
    func commit(_ version: String, by publisher: TestPublisher, to registry: RegistryHarness) async throws -> (status: Int, failure: RegistryClient.Failure) {
        let manifest = try publisher.manifest(model: "digits-mlp", version: version, file: digits(version))
        try await publisher.upload(manifest, to: registry.admin)
        let response = try await registry.raw(
            "POST", "/v1/models/digits-mlp/versions", token: registry.adminToken, body: try ManifestCoding.encode(manifest))
        return (response.status, RegistryClient.failure(response))
    }

    @Test func theFirstDocumentSetsTheRootAndListsThePublishers() async throws {
        let registry = try await RegistryHarness.start()
        let summary = try await registry.admin.publishTrust(try document(1, publishers: [alice])).value
        #expect(summary.version == 1)
        #expect(summary.root == root.publicKey.keyID)
        #expect(summary.publishers == [alice.key.publicKey.keyID])
        // Alice was never registered with `keys register`: the document is enough. Bob is not listed.
        #expect(try await commit("1.0.0", by: alice, to: registry).status == 201)
        let refused = try await commit("1.0.1", by: bob, to: registry)
        #expect(refused.status == 422)
        #expect(refused.failure.message.contains("publisher key \(bob.key.publicKey.keyID) is not among the 1 trusted key(s)"))
        // Devices and admins read the chain back, signed as the root made it.
        let documents = try await registry.admin.trustDocuments()
        var chain = TrustChain(root: root.publicKey)
        for bytes in documents { try chain.accept(bytes) }
        #expect(chain.latest?.version == 1)
        let audit = try await registry.raw("GET", "/v1/audit", token: registry.adminToken).text
        #expect(audit.contains("trust.publish"))
    }

    @Test func laterDocumentsMustBeNewerAndFromTheSameRoot() async throws {
        let registry = try await RegistryHarness.start()
        try await registry.admin.publishTrust(try document(2, publishers: [alice]))
        for (bytes, expected) in [
            (try document(2, publishers: [alice, bob]), "v2 is not newer than the accepted v2"),
            (try document(1, publishers: [alice, bob]), "v1 is not newer than the accepted v2"),
            (try document(3, by: PublisherPrivateKey.generate(), publishers: [bob]), "but the trusted root is \(root.publicKey.keyID)"),
            (try document(3, publishers: [bob], expiresIn: -30), "v3 expired at")
        ] {
            let response = try await registry.raw("PUT", "/v1/trust", token: registry.adminToken, body: bytes)
            #expect(response.status == 422)
            #expect(RegistryClient.failure(response).code == "untrusted_trust_document")
            #expect(RegistryClient.failure(response).message.contains(expected), "\(RegistryClient.failure(response).message)")
        }
        #expect(try await registry.admin.trustDocuments().count == 1)
        // Only admins upload; a read-only token cannot.
        let reader = try await registry.admin.createToken(TokenRequest(scopes: [.read], label: "reader")).value.token
        let forbidden = try await registry.raw("PUT", "/v1/trust", token: reader, body: try document(3, publishers: [bob]))
        #expect(forbidden.status == 403)
    }

    @Test func aRevokedPublisherCannotCommitAndIsToldWhy() async throws {
        let registry = try await RegistryHarness.start()
        try await registry.admin.publishTrust(try document(1, publishers: [alice, bob]))
        #expect(try await commit("1.0.0", by: alice, to: registry).status == 201)
        try await registry.admin.publishTrust(try document(2, publishers: [alice, bob], revoked: [alice]))
        let refused = try await commit("1.1.0", by: alice, to: registry)
        #expect(refused.status == 422)
        #expect(refused.failure.message.contains("publisher key \(alice.key.publicKey.keyID) is revoked by trust document v2"))
        #expect(try await commit("1.1.0", by: bob, to: registry).status == 201)
    }

    @Test func registeringKeysIsRefusedOnceADocumentListsThem() async throws {
        let registry = try await RegistryHarness.start()
        try await registry.admin.registerPublisher(bob.key.publicKey)
        try await registry.admin.publishTrust(try document(1, publishers: [alice]))
        let refused = try await registry.raw(
            "POST", "/v1/publishers", token: registry.adminToken,
            body: Array(try JSONEncoder().encode(PublisherRegistration(publicKeyPEM: bob.key.publicKey.pem))))
        #expect(refused.status == 409)
        #expect(RegistryClient.failure(refused).message.contains("trust document v1 lists the allowed publishers"))
        // The registered key no longer signs once a document exists.
        #expect(try await commit("1.0.0", by: bob, to: registry).status == 422)
    }

    @Test func checkInsNameTheNewestTrustVersion() async throws {
        let registry = try await RegistryHarness.start()
        let enrolled = try await registry.client(token: registry.enrollToken)
            .enroll(DeviceProfile(arch: "x86_64", ramBytes: 1 << 30, diskBytes: 1 << 30, engineVersion: "1"))
        let device = (id: enrolled.deviceID, client: registry.client(token: enrolled.token))
        let before = try await device.client.checkin(deviceID: device.id, CheckinRequest(installed: [], state: "idle"))
        #expect(before.trustVersion == nil)
        try await registry.admin.publishTrust(try document(4, publishers: [alice]))
        let after = try await device.client.checkin(deviceID: device.id, CheckinRequest(installed: [], state: "idle"))
        #expect(after.trustVersion == 4)
        // Devices may fetch the documents.
        #expect(try await device.client.trustDocuments().count == 1)
    }
}
