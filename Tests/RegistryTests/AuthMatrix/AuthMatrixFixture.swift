import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// A registry holding one of everything a route can name (models, versions, chunks, devices, tokens,
/// rollouts), and the credentials the auth matrix tries on it.
///
/// Every id a route's path takes is real, and every write has something to act on (a staged version whose
/// chunks are uploaded, a chunk not stored yet, an active and a paused rollout, a token to revoke), so a
/// request that slipped past an authorization check would change state or answer 2xx instead of 401/403.
final class AuthMatrixFixture: Sendable {
    let registry: RegistryHarness
    let publisher: TestPublisher
    /// Enrolled, checked in, with an event: the device whose own routes the matrix calls.
    let target: SimulatedDevice
    /// Another enrolled device: its token must not act as `target`.
    let other: SimulatedDevice
    /// A device whose token was revoked (the device itself stays enrolled).
    let revokedDevice: SimulatedDevice
    /// A device an operator removed (`devices rm`).
    let decommissionedDevice: SimulatedDevice
    /// Admin tokens holding exactly one scope, and holding every scope but one (and not `admin`).
    let holding: [Scope: String]
    let lacking: [Scope: String]
    let revokedAdmin: String
    let expiredAdmin: String
    /// An active admin token, for `DELETE /v1/tokens/{id}` to revoke.
    let spareTokenID: String
    /// A chunk of version 1.0.0 (stored), and one that is not stored yet (for the upload route).
    let storedChunk: Digest
    let newChunk: (digest: Digest, codec: ChunkCodec, length: Int, stored: [UInt8])
    /// digits-mlp 3.0.0: every chunk uploaded, not committed (the commit route's body; what `gc` would collect).
    let stagedManifest: [UInt8]
    /// Rollouts of 2.0.0: `active` of digits-mlp, `paused` of digits-b.
    let activeRollout: String
    let pausedRollout: String
    /// A trust document the registry has not seen (it holds none, so this one would set its root).
    let trustDocument: [UInt8]
    /// A publisher key the registry does not know.
    let unregisteredKey: PublisherPublicKey

    static let model = "digits-mlp"
    static let secondModel = "digits-b"

    static func start() async throws -> AuthMatrixFixture {
        // The matrix fails authentication hundreds of times from 127.0.0.1 on purpose.
        let registry = try await RegistryHarness.start {
            $0.limits.authFailuresPerMinute = 100_000
            $0.limits.enrollmentsPerMinute = 100_000
        }
        let admin = registry.admin
        let publisher = try await registry.publisher(assigning: model, selector: "type=camera")
        for name in [model, secondModel] {
            for major in 1...2 {
                try await publisher.publish(model: name, version: "\(major).0.0", file: digits(major), to: admin)
            }
        }
        let staged = try publisher.manifest(model: model, version: "3.0.0", file: digits(3))
        try await publisher.upload(staged, to: admin)

        let target = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let other = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let revokedDevice = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let decommissionedDevice = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        try await target.checkin(installed: [(model, "1.0.0")])
        _ = try await target.client.report(deviceID: target.id, EventBatch(events: [DeviceEvent(kind: "install", message: "fixture", at: .now())]))
        let deviceTokenID = try #require(try await admin.tokens().value.tokens.first { $0.deviceID == revokedDevice.id }?.id, "device token id")
        try await admin.revokeToken(id: deviceTokenID)
        try await admin.decommission(deviceID: decommissionedDevice.id)

        var holding: [Scope: String] = [:]
        var lacking: [Scope: String] = [:]
        for scope in Scope.allCases {
            holding[scope] = try await admin.createToken(TokenRequest(scopes: [scope], label: "holds-\(scope)")).value.token
            let others = Scope.allCases.filter { $0 != scope && $0 != .admin }
            lacking[scope] = try await admin.createToken(TokenRequest(scopes: others, label: "lacks-\(scope)")).value.token
        }
        let revoked = try await admin.createToken(TokenRequest(scopes: [.admin], label: "revoked")).value
        try await admin.revokeToken(id: try #require(revoked.id, "revoked token id"))
        let spare = try await admin.createToken(TokenRequest(scopes: [.admin], label: "spare")).value
        let expired = try await expiredAdminToken(registry)

        let v2 = SemanticVersion(major: 2, minor: 0, patch: 0)
        let activeRollout = try await admin.createRollout(rollout(model, v2)).value.rollout.id
        let pausedRollout = try await admin.createRollout(rollout(secondModel, v2)).value.rollout.id
        _ = try await admin.apply(.pause, toRollout: pausedRollout)

        let root = PublisherPrivateKey.generate()
        let now = Timestamp.now().secondsSinceEpoch
        let trustDocument = try TrustDocumentCoding.encode(
            TrustDocument(
                version: 1, issuedAt: Timestamp(secondsSinceEpoch: now - 60), expires: Timestamp(secondsSinceEpoch: now + 86_400),
                publishers: [publisher.key.publicKey], revoked: [], signedBy: root))
        return AuthMatrixFixture(
            registry: registry, publisher: publisher, target: target, other: other, revokedDevice: revokedDevice,
            decommissionedDevice: decommissionedDevice, holding: holding, lacking: lacking, revokedAdmin: revoked.token, expiredAdmin: expired,
            spareTokenID: try #require(spare.id, "spare token id"),
            storedChunk: try #require(publisher.stored.keys.first { !staged.files.flatMap(\.chunks).map(\.digest).contains($0) }, "stored chunk"),
            newChunk: try newChunk(), stagedManifest: try ManifestCoding.encode(staged), activeRollout: activeRollout, pausedRollout: pausedRollout,
            trustDocument: trustDocument, unregisteredKey: PublisherPrivateKey.generate().publicKey)
    }

    private init(
        registry: RegistryHarness, publisher: TestPublisher, target: SimulatedDevice, other: SimulatedDevice, revokedDevice: SimulatedDevice,
        decommissionedDevice: SimulatedDevice, holding: [Scope: String], lacking: [Scope: String], revokedAdmin: String, expiredAdmin: String,
        spareTokenID: String, storedChunk: Digest, newChunk: (digest: Digest, codec: ChunkCodec, length: Int, stored: [UInt8]), stagedManifest: [UInt8],
        activeRollout: String, pausedRollout: String, trustDocument: [UInt8], unregisteredKey: PublisherPublicKey
    ) {
        self.registry = registry
        self.publisher = publisher
        self.target = target
        self.other = other
        self.revokedDevice = revokedDevice
        self.decommissionedDevice = decommissionedDevice
        self.holding = holding
        self.lacking = lacking
        self.revokedAdmin = revokedAdmin
        self.expiredAdmin = expiredAdmin
        self.spareTokenID = spareTokenID
        self.storedChunk = storedChunk
        self.newChunk = newChunk
        self.stagedManifest = stagedManifest
        self.activeRollout = activeRollout
        self.pausedRollout = pausedRollout
        self.trustDocument = trustDocument
        self.unregisteredKey = unregisteredKey
    }

    private static func digits(_ major: Int) -> String { TestPublisher.corpus("models/digits-mlp/v\(major).onnx") }

    private static func rollout(_ model: String, _ version: SemanticVersion) -> RolloutRequest {
        RolloutRequest(model: model, version: version, selector: "type=camera", stages: [50, 100], soakSeconds: 3600, gates: RolloutGates())
    }

    /// An admin token whose expiry has passed. Stored directly with an expiry in the past rather than made
    /// through `POST /v1/tokens` (whose shortest expiry is a second) and waited out, which would cost every
    /// fixture a sleep; `TokenLifecycleTests` covers the route's expiry.
    private static func expiredAdminToken(_ registry: RegistryHarness) async throws -> String {
        let token = BearerToken.generate(kind: .admin)
        let past = Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch - 60)
        try await registry.server.store.insertToken(
            TokenRecord(
                hash: BearerToken.hash(token), kind: .admin, scopes: [.admin], deviceID: nil, label: "expired",
                createdAt: Timestamp(secondsSinceEpoch: past.secondsSinceEpoch - 60), expiresAt: past),
            audit: nil)
        return token
    }

    /// A chunk of fresh random bytes, compressed as the publisher would send it.
    private static func newChunk() throws -> (digest: Digest, codec: ChunkCodec, length: Int, stored: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let encoded = try bytes.withUnsafeBytes { try ChunkCompressor().encode($0, elementWidth: 1, settings: .standard) }
        return (Digest.of(bytes), encoded.codec, bytes.count, encoded.stored)
    }
}
