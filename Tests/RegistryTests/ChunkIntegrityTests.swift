import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@testable import Registry

/// Stored bytes are checked against their digest before they are served or cached; bad ones are
/// quarantined, counted and refused with a JSON error, and a repaired file is served again.
@Suite struct ChunkIntegrityTests {
    struct Published {
        let registry: RegistryHarness
        let publisher: TestPublisher
        let chunk: Manifest.Chunk
        let file: String
    }

    static func publish() async throws -> Published {
        let registry = try await RegistryHarness.start()
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        let (manifest, _) = try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let chunk = try #require(manifest.files.first?.chunks.max { $0.storedLength < $1.storedLength })
        let store = try #require(registry.server.blobs as? FileChunkStore)
        return Published(registry: registry, publisher: publisher, chunk: chunk, file: store.path(for: chunk.digest, codec: chunk.codec))
    }

    /// Same length, one byte flipped in the middle: only a digest check can tell.
    static func corrupt(_ file: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: file))
    }

    @Test func aCorruptChunkIsNeverServedAndARepairedOneIsServedAgain() async throws {
        let published = try await Self.publish()
        let (registry, digest) = (published.registry, published.chunk.digest)
        let good = try #require(published.publisher.stored[digest])
        try Self.corrupt(published.file)

        for _ in 0..<2 {
            let refused = try await registry.raw("GET", "/v1/chunks/\(digest)", token: registry.adminToken)
            #expect(refused.status == 503)
            let failure = RegistryClient.failure(refused)
            #expect(failure.code == "corrupt_chunk")
            #expect(failure.message.hasPrefix("chunk \(digest) is "))
            #expect(failure.message.hasSuffix("quarantined and not served") || failure.message.contains("is quarantined on the registry"))
            #expect(!failure.message.contains(registry.dataDirectory))
        }
        let store = try #require(registry.server.blobs as? FileChunkStore)
        #expect(FileManager.default.fileExists(atPath: store.quarantinePath(for: digest, codec: published.chunk.codec)))

        // The operator restores the file: the next request reads it, verifies it and serves it (no stale cache).
        try Data(good).write(to: URL(fileURLWithPath: published.file))
        let served = try await registry.raw("GET", "/v1/chunks/\(digest)", token: registry.adminToken)
        #expect(served.status == 200)
        #expect(served.body == good)
    }

    /// The publisher's next upload repairs a quarantined chunk: the registry reports it missing (to
    /// the missing-chunks query and to a commit naming it), and uploading its stored form restores it.
    @Test func aQuarantinedChunkIsReportedMissingAndRestoredByUploadingItAgain() async throws {
        let published = try await Self.publish()
        let (registry, chunk, publisher) = (published.registry, published.chunk, published.publisher)
        let good = try #require(publisher.stored[chunk.digest])
        try Self.corrupt(published.file)
        #expect(try await registry.raw("GET", "/v1/chunks/\(chunk.digest)", token: registry.adminToken).status == 503)

        let answer = try await registry.admin.missingChunks([chunk.digest])
        #expect(answer.missing == [chunk.digest])
        #expect(answer.present.isEmpty)
        let again = try publisher.manifest(model: "digits-mlp", version: "1.0.1", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))
        let refused = try await registry.raw(
            "POST", "/v1/models/digits-mlp/versions", token: registry.adminToken, body: try ManifestCoding.encode(again))
        #expect(refused.status == 409)
        #expect(RegistryClient.failure(refused).message.contains("not uploaded"))

        // Another stored form than the recorded one cannot restore it: manifests name that form.
        try #require(chunk.codec != .identity)
        let other = ChunkCodec.identity
        let raw = try good.withUnsafeBytes { try ChunkCompressor().decode($0, codec: chunk.codec, length: chunk.length, digest: chunk.digest) }
        await #expect(throws: (any Error).self) {
            try await registry.admin.putChunk(chunk.digest, codec: other, length: chunk.length, stored: raw)
        }
        #expect(try await publisher.upload(again, to: registry.admin) == good.count)
        let served = try await registry.raw("GET", "/v1/chunks/\(chunk.digest)", token: registry.adminToken)
        #expect(served.status == 200)
        #expect(served.body == good)
        #expect(try await registry.admin.missingChunks([chunk.digest]).missing.isEmpty)
        #expect(try await registry.server.scrub().quarantined.isEmpty)
    }

    @Test func scrubQuarantinesWhatDoesNotMatchAndCountsIt() async throws {
        let published = try await Self.publish()
        let (registry, chunk) = (published.registry, published.chunk)
        let clean = try await registry.server.scrub()
        #expect(clean.quarantined.isEmpty && clean.missing.isEmpty)
        #expect(clean.checked == (try await registry.server.store.chunkCount()))

        try Self.corrupt(published.file)
        let report = try await registry.server.scrub()
        #expect(report.quarantined == [chunk.digest])
        #expect(report.checked == clean.checked)
        let store = try #require(registry.server.blobs as? FileChunkStore)
        let quarantined = store.quarantinePath(for: chunk.digest, codec: chunk.codec)
        #expect(FileManager.default.fileExists(atPath: quarantined))
        #expect(try String(contentsOfFile: quarantined + ".reason", encoding: .utf8).contains("\(chunk.digest)"))
        #expect(!FileManager.default.fileExists(atPath: published.file))
        let metrics = try await registry.raw("GET", "/metrics", token: registry.adminToken)
        #expect(metrics.text.contains("modelfleet_chunks_quarantined_total 1"))

        // A second pass reports it missing; the download is refused as quarantined, not as a generic 500.
        #expect(try await registry.server.scrub().missing == [chunk.digest])
        let refused = try await registry.raw("GET", "/v1/chunks/\(chunk.digest)", token: registry.adminToken)
        #expect(refused.status == 503)
        #expect(RegistryClient.failure(refused).code == "corrupt_chunk")
    }
}
