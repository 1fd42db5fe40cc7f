import FleetCore
import Foundation
import Testing

@testable import Registry

/// Two replicas' caches over one database: a device's request may see another replica's change up to the
/// cache's TTL late; an operator's request (`readsThrough`) sees it at once.
@Suite struct ReadThroughTests {
    @Test func anOperatorSeesAnotherReplicasChangeAtOnce() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("read-through-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = CachingMetadataStore(wrapping: try SQLiteMetadataStore(path: path), ttl: .seconds(60))
        let second = CachingMetadataStore(wrapping: try SQLiteMetadataStore(path: path), ttl: .seconds(60))
        #expect(try await second.rollouts().isEmpty)  // now cached by the second replica

        _ = try await first.createRollout(StoreSamples.rollout("ro-1"), superseding: false, audit: StoreSamples.audit("rollout.create"))
        #expect(try await second.rollouts().isEmpty, "the cache was not used: this test would prove nothing")
        let seen = try await CachingMetadataStore.$readsThrough.withValue(true) { try await second.rollouts() }
        #expect(seen.map(\.id) == ["ro-1"])
    }
}
