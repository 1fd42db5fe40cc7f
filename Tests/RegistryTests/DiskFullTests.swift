import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// A full disk is 507 with a message naming the chunk or the change, never the server's paths, and
/// leaves no partial upload behind. The registry's data directory is on a real 4 MiB tmpfs.
@Suite(.enabled(if: SmallFilesystem.isAvailable, "mounting a tmpfs needs root"))
struct DiskFullTests {
    @Test func chunkUploadOnAFullDiskIs507AndLeavesNoTemporaryFile() async throws {
        let disk = try SmallFilesystem(megabytes: 4)
        let registry = try await RegistryHarness.start { $0.dataDirectory = disk.path + "/data" }
        let bytes = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let digest = Digest.of(bytes)
        let headers = [(name: "ModelFleet-Codec", value: "identity"), (name: "ModelFleet-Length", value: "65536")]

        disk.fill()
        let refused = try await registry.raw("PUT", "/v1/chunks/\(digest)", token: registry.adminToken, headers: headers, body: bytes)
        #expect(refused.status == 507)
        let failure = RegistryClient.failure(refused)
        #expect(failure.code == "storage_full")
        #expect(failure.message == "no space left on the registry's chunk storage: chunk \(digest) was not stored; retry once space is freed")
        #expect(!refused.text.contains(disk.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: registry.dataDirectory + "/chunks/incoming").isEmpty)
        #expect(registry.storedChunkFiles().isEmpty)

        disk.freeSpace()
        let stored = try await registry.raw("PUT", "/v1/chunks/\(digest)", token: registry.adminToken, headers: headers, body: bytes)
        #expect(stored.status == 201)
    }

    @Test func commitOnAFullDiskIs507AndCommitsNothing() async throws {
        let disk = try SmallFilesystem(megabytes: 4)
        let registry = try await RegistryHarness.start { $0.dataDirectory = disk.path + "/data" }
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        let manifest = try publisher.manifest(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))
        try await publisher.upload(manifest, to: registry.admin)
        let body = try ManifestCoding.encode(manifest)

        disk.fill()
        let refused = try await registry.raw("POST", "/v1/models/digits-mlp/versions", token: registry.adminToken, body: body)
        #expect(refused.status == 507)
        let failure = RegistryClient.failure(refused)
        #expect(failure.code == "storage_full")
        #expect(failure.message == "no space left for the registry's database: the change was not stored; retry once space is freed")
        #expect(!refused.text.contains(disk.path))

        disk.freeSpace()
        #expect(try await registry.raw("GET", "/v1/models/digits-mlp/versions", token: registry.adminToken).status == 404)
        let committed = try await registry.raw("POST", "/v1/models/digits-mlp/versions", token: registry.adminToken, body: body)
        #expect(committed.status == 201)
    }
}

/// Temporary files a crash left in `chunks/incoming` are removed when the store opens.
@Suite struct IncomingCleanupTests {
    @Test func leftoverTemporaryFilesAreRemovedAtStart() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("chunks-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try FileChunkStore(root: root)
        #expect(FileManager.default.createFile(atPath: root + "/incoming/partial.upload", contents: Data([1, 2, 3])))
        _ = try FileChunkStore(root: root)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/incoming").isEmpty)
    }
}
