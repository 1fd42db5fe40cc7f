import FleetCore
import Foundation
import Testing

@testable import Registry

/// Publisher keys, trust documents, versions and their removal, on each metadata store.
@Suite struct PublishingStoreTests {
    typealias S = StoreSamples

    @Test(arguments: StoreKind.allCases)
    func versionsAreImmutableAndListedPerModel(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        for seed in 0..<3 { _ = try await store.recordChunk(S.chunk(seed)) }
        var held = try S.version("m", S.v2, variant: "int8", chunks: [0, 2])
        held.held = true
        held.requirements = Manifest.Requirements(architectures: ["aarch64"])
        let versions = [try S.version("m", S.v1, chunks: [0, 1]), try S.version("m", S.v2, chunks: [1, 2]), held, try S.version("b", S.v1, chunks: [0])]
        for version in versions.reversed() { try await store.insertVersion(version, audit: S.audit("version.commit")) }
        #expect(try await store.modelNames() == ["b", "m"])
        #expect(try await store.versions(of: "m") == Array(versions.prefix(3)))
        #expect(try await store.versions(of: "none").isEmpty)
        await #expect(throws: StoreRefusals.versionExists(versions[0])) { try await store.insertVersion(versions[0], audit: S.audit("version.commit")) }
        #expect(try await store.audit(since: nil).count == 4)
    }

    /// Removing a version's last variant aborts the rollouts that would place devices on it; removing a model
    /// also drops its assignments.
    @Test(arguments: StoreKind.allCases)
    func removingVersionsAbortsTheRolloutsThatNeedThem(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        _ = try await store.recordChunk(S.chunk(0))
        for (version, variant) in [(S.v1, "default"), (S.v2, "default"), (S.v2, "int8")] {
            try await store.insertVersion(try S.version("m", version, variant: variant, chunks: [0]), audit: S.audit("version.commit"))
        }
        try await store.setAssignment(AssignmentRecord(model: "m", selector: LabelSelector([:]), updatedAt: S.now), audit: S.audit("assign"))
        _ = try await store.createRollout(S.rollout("ro-1"), superseding: false, audit: S.audit("rollout.create"))

        await #expect(throws: StoreRefusals.noVersions(model: "m", version: S.v1, variant: "int8")) {
            try await store.deleteVersions(model: "m", version: S.v1, variant: "int8", audit: S.audit("version.remove"))
        }
        // One variant of 2.0.0 goes: the rollout to 2.0.0 still has the other.
        #expect(try await store.deleteVersions(model: "m", version: S.v2, variant: "int8", audit: S.audit("version.remove")).map(\.variant) == ["int8"])
        #expect(try await store.rollouts().first?.state == .active)
        // The last variant goes: the rollout ends.
        _ = try await store.deleteVersions(model: "m", version: S.v2, variant: nil, audit: S.audit("version.remove", at: 9))
        let aborted = try #require(try await store.rollouts().first)
        #expect(aborted.state == .aborted && aborted.reason == "version 2.0.0 was removed" && aborted.updatedAt == S.at(9))
        #expect(try await store.versions(of: "m").map(\.version) == [S.v1])
        #expect(try await store.assignments().count == 1)
        // The whole model: its assignments go too.
        _ = try await store.deleteVersions(model: "m", version: nil, variant: nil, audit: S.audit("model.remove"))
        #expect(try await store.versions(of: "m").isEmpty)
        #expect(try await store.assignments().isEmpty)
        #expect(try await store.modelNames().isEmpty)
        #expect(
            try await store.audit(since: nil).map(\.action).suffix(4) == ["version.remove", "rollout.aborted", "version.remove", "model.remove"])
    }

    @Test(arguments: StoreKind.allCases)
    func publishersAndTrustDocuments(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        try await store.addPublisher(RegisteredPublisher(keyID: "k2", publicKeyPEM: "pem2", registeredAt: S.now), audit: S.audit("publisher.add"))
        try await store.addPublisher(RegisteredPublisher(keyID: "k1", publicKeyPEM: "old", registeredAt: S.now), audit: S.audit("publisher.add"))
        try await store.addPublisher(RegisteredPublisher(keyID: "k1", publicKeyPEM: "pem1", registeredAt: S.at(1)), audit: S.audit("publisher.add"))
        #expect(try await store.publishers().map(\.keyID) == ["k1", "k2"])
        #expect(try await store.publishers().first?.publicKeyPEM == "pem1")

        let documents = (1...3).map { StoredTrustDocument(version: $0, bytes: Array("doc \($0)".utf8) + [0, 255], acceptedAt: S.at(Int64($0))) }
        try await store.insertTrustDocument(documents[0], audit: S.audit("trust.accept"))
        try await store.insertTrustDocument(documents[2], audit: S.audit("trust.accept"))
        await #expect(throws: StoreRefusals.trustDocumentNotNewer(2, newest: 3)) { try await store.insertTrustDocument(documents[1], audit: S.audit("x")) }
        await #expect(throws: StoreRefusals.trustDocumentNotNewer(3, newest: 3)) { try await store.insertTrustDocument(documents[2], audit: S.audit("x")) }
        #expect(try await store.trustDocuments(after: 0) == [documents[0], documents[2]])
        #expect(try await store.trustDocuments(after: 1) == [documents[2]])
        #expect(try await store.audit(since: nil).count == 5)
    }
}
