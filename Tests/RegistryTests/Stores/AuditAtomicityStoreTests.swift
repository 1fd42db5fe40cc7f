import FleetCore
import Foundation
import Testing

@testable import Registry

/// An operator's change and its audit line are one transaction: with audit inserts failing, every change that
/// writes one is refused and leaves nothing behind, on each metadata store.
@Suite struct AuditAtomicityStoreTests {
    typealias S = StoreSamples

    @Test(arguments: StoreKind.allCases)
    func noChangeIsStoredWithoutItsAuditLine(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        _ = try await store.recordChunk(S.chunk(0))
        try await store.insertDevice(S.device("d1"))
        for name in ["a1", "a2"] { try await store.insertToken(S.token(name), audit: nil) }
        try await store.insertVersion(try S.version(chunks: [0]), audit: S.audit("version.commit"))
        _ = try await store.createRollout(S.rollout("ro-1"), superseding: false, audit: S.audit("rollout.create"))
        let before = try await Snapshot(store)
        try await location.refuseAuditLines()

        let attempts: [(String, @Sendable () async throws -> Void)] = [
            ("publisher", { try await store.addPublisher(RegisteredPublisher(keyID: "k", publicKeyPEM: "p", registeredAt: S.now), audit: S.audit("x")) }),
            ("trust document", { try await store.insertTrustDocument(StoredTrustDocument(version: 1, bytes: [1], acceptedAt: S.now), audit: S.audit("x")) }),
            ("version", { try await store.insertVersion(try S.version("m", S.v2, chunks: [0]), audit: S.audit("x")) }),
            ("admin token", { try await store.insertToken(S.token("a3"), audit: S.audit("x")) }),
            (
                "assignment",
                { try await store.setAssignment(AssignmentRecord(model: "m", selector: LabelSelector([:]), updatedAt: S.now), audit: S.audit("x")) }
            ),
            ("labels", { try await store.setLabels(deviceID: "d1", labels: ["a": "b"], audit: S.audit("x")) }),
            ("profile", { try await store.updateProfile(deviceID: "d1", profile: S.profile("aarch64"), audit: S.audit("x")) }),
            ("rollout", { _ = try await store.createRollout(S.rollout("ro-2"), superseding: true, audit: S.audit("x")) }),
            ("rollout change", { try await store.saveRollout(try #require(try await store.rollouts().first), audit: S.audit("x")) }),
            ("revocation", { _ = try await store.revokeToken(hashPrefix: S.token("a1").hash, audit: S.audit("x")) }),
            ("decommission", { try await store.decommissionDevice(id: "d1", audit: S.audit("x")) }),
            ("removal", { _ = try await store.deleteVersions(model: "m", version: nil, variant: nil, audit: S.audit("x")) })
        ]
        for (what, attempt) in attempts {
            await #expect(throws: (any Error).self, "\(what) was stored without its audit line") { try await attempt() }
            let after = try await Snapshot(store)
            #expect(after == before, "\(what) left a change behind")
        }
    }

    /// Everything an operator's change could touch.
    struct Snapshot: Equatable {
        var publishers: [RegisteredPublisher]
        var trust: [StoredTrustDocument]
        var versions: [VersionRecord]
        var tokens: [TokenRecord]
        var assignments: [AssignmentRecord]
        var devices: [DeviceRecord]
        var rollouts: [Rollout]
        var audit: [AuditEntry]

        init(_ store: any MetadataStore) async throws {
            publishers = try await store.publishers()
            trust = try await store.trustDocuments(after: 0)
            versions = try await store.versions(of: "m")
            tokens = try await store.tokens()
            assignments = try await store.assignments()
            devices = try await store.devices()
            rollouts = try await store.rollouts()
            audit = try await store.audit(since: nil)
        }
    }
}
