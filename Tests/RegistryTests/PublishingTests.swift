import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@Suite struct PublishingTests {
    @Test func publishesReadsBackAndServesChunksWithCacheHeaders() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        let (manifest, uploaded) = try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        #expect(uploaded == Int(manifest.totalStoredSize))

        // The manifest comes back byte for byte and verifies against the publisher key.
        let served = try await registry.admin.manifest(model: "digits-mlp", version: manifest.version, variant: "fp32")
        #expect(served == (try ManifestCoding.encode(manifest)))
        #expect(try TrustedPublishers([publisher.key.publicKey]).verify(served).manifest == manifest)

        let listing = try await registry.raw("GET", "/v1/models/digits-mlp/versions", token: registry.adminToken)
        #expect(listing.status == 200)
        #expect(listing.text.contains(#""variant":"fp32","version":"1.0.0""#))
        let models = try await registry.raw("GET", "/v1/models", token: registry.adminToken)
        #expect(models.text == #"{"models":[{"latest":"1.0.0","name":"digits-mlp","variants":["fp32"],"versions":1}]}"#)

        // Every chunk downloads as stored, with immutable caching and a strong ETag.
        for chunk in manifest.files[0].chunks {
            let response = try await registry.admin.chunk(chunk.digest)
            #expect(response.body == publisher.stored[chunk.digest])
            #expect(response[header: "etag"] == "\"\(chunk.digest)\"")
            #expect(response[header: "cache-control"] == "public, max-age=31536000, immutable")
            #expect(response[header: "modelfleet-codec"] == chunk.codec.description)
            #expect(response[header: "modelfleet-length"] == String(chunk.length))
        }
    }

    @Test func rangeHeadAndConditionalRequests() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        let (manifest, _) = try await publisher.publish(
            model: "cls", version: "1.0.0",
            file: TestPublisher.corpus("models/rapidocr-onnxruntime-1.2.13/ch_ppocr_mobile_v2.0_cls_infer.onnx"), to: registry.admin)
        let chunk = try #require(manifest.files[0].chunks.max { $0.storedLength < $1.storedLength })
        let bytes = try #require(publisher.stored[chunk.digest])
        let path = "/v1/chunks/\(chunk.digest)"

        let partial = try await registry.raw("GET", path, token: registry.adminToken, headers: [("Range", "bytes=100-199")])
        #expect(partial.status == 206)
        #expect(partial.body == Array(bytes[100...199]))
        #expect(partial[header: "content-range"] == "bytes 100-199/\(bytes.count)")

        let resume = try await registry.raw("GET", path, token: registry.adminToken, headers: [("Range", "bytes=1000-")])
        #expect(resume.body == Array(bytes[1000...]))
        let suffix = try await registry.raw("GET", path, token: registry.adminToken, headers: [("Range", "bytes=-10")])
        #expect(suffix.body == Array(bytes.suffix(10)))

        let beyond = try await registry.raw("GET", path, token: registry.adminToken, headers: [("Range", "bytes=\(bytes.count)-")])
        #expect(beyond.status == 416)

        let head = try await registry.raw("HEAD", path, token: registry.adminToken)
        #expect(head.status == 200)
        #expect(head[header: "content-length"] == String(bytes.count))
        #expect(head.body.isEmpty)

        let cached = try await registry.raw("GET", path, token: registry.adminToken, headers: [("If-None-Match", "\"\(chunk.digest)\"")])
        #expect(cached.status == 304)
        #expect(cached.body.isEmpty)
    }

    @Test func onlyMissingChunksAreUploadedForTheNextVersion() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        let (v1, first) = try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let (v3, second) = try await publisher.publish(
            model: "digits-mlp", version: "1.1.0", file: TestPublisher.corpus("models/digits-mlp/v3.onnx"), to: registry.admin)
        let shared = Set(v1.files[0].chunks.map(\.digest))
        let expected = v3.files[0].chunks.filter { !shared.contains($0.digest) }.reduce(0) { $0 + $1.storedLength }
        #expect(second == expected)
        #expect(second * 10 < first, "v3 uploaded \(second) bytes after v1's \(first)")
        // Asking again: nothing is missing.
        #expect(try await registry.admin.missingChunks(v3.files[0].chunks.map(\.digest)).missing.isEmpty)
    }

    @Test func concurrentUploadsOfOneChunkBothSucceedAndOneCopyIsStored() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = TestPublisher()
        let manifest = try publisher.manifest(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))
        let chunk = manifest.files[0].chunks[1]
        let bytes = try #require(publisher.stored[chunk.digest])
        let client = registry.admin
        let forms = try await withThrowingTaskGroup(of: StoredChunkForm.self) { group in
            for _ in 0..<8 {
                group.addTask { try await client.putChunk(chunk.digest, codec: chunk.codec, length: chunk.length, stored: bytes) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(forms.count == 8)
        #expect(Set(forms.map(\.storedLength)).count == 1)
        #expect(registry.storedChunkFiles().count == 1)
        #expect(try await registry.admin.chunk(chunk.digest).body == bytes)
    }
}
