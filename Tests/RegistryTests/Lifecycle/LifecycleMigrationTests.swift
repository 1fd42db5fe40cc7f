import FleetCore
import Foundation
import GRDB
import Registry
import TestSupport
import Testing

@Suite struct LifecycleMigrationTests {
    /// A registry upgraded from before migration "v5 lifecycle" has versions but no chunk references: the
    /// migration must read them from the stored manifests, or the first garbage collection would delete
    /// every chunk of every existing version.
    @Test func anUpgradedRegistryKeepsTheChunksOfItsExistingVersions() async throws {
        let directory: String
        let digests: Set<Digest>
        do {
            let registry = try await RegistryHarness.start()
            let publisher = try await registry.publisher(assigning: "digits-mlp")
            try await publisher.publishDigits(major: 1, to: registry.admin)
            digests = Set(publisher.stored.keys)
            directory = registry.dataDirectory + "-copy"
            try await registry.server.store.flush()
            try FileManager.default.copyItem(atPath: registry.dataDirectory, toPath: directory)
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Back to the v4 schema: the tables and columns v5 added are dropped, and its migration forgotten.
        let database = try DatabaseQueue(path: directory + "/registry.sqlite")
        try await database.write { db in
            try db.execute(
                sql: """
                    DROP TABLE version_chunks;
                    ALTER TABLE tokens DROP COLUMN expiresAt; ALTER TABLE tokens DROP COLUMN revokedAt; ALTER TABLE tokens DROP COLUMN lastUsedAt;
                    ALTER TABLE devices DROP COLUMN decommissionedAt; ALTER TABLE chunks DROP COLUMN recordedAt;
                    DELETE FROM grdb_migrations WHERE identifier = 'v5 lifecycle';
                    """)
        }
        try database.close()

        let upgraded = try await RegistryHarness.start { $0.dataDirectory = directory }
        let report = try await upgraded.admin.collectGarbage(GarbageCollectionRequest(graceSeconds: 0)).value
        #expect(report.chunks == 0 && report.strayBlobs == 0)
        #expect(try await upgraded.admin.missingChunks(Array(digests)).missing.isEmpty)
        // Old chunks count as recorded long ago: once the version goes, they are garbage at once.
        try await upgraded.admin.removeModel("digits-mlp", force: true)
        #expect(try await upgraded.admin.collectGarbage(GarbageCollectionRequest()).value.chunks == digests.count)
    }
}
