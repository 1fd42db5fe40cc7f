import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

/// Each bad request gets the exact status and JSON error, and leaves nothing stored.
@Suite struct BadInputTests {
    func error(_ response: HTTPResponse) -> (code: String, message: String) {
        let failure = RegistryClient.failure(response)
        return (failure.code, failure.message)
    }

    @Test func chunkBodyOverTheLimitIs413AndNothingIsStored() async throws {
        let registry = try await RegistryHarness.start { $0.limits.maxChunkStoredBytes = 1000 }
        let bytes = [UInt8](repeating: 7, count: 5000)
        let response = try await registry.raw(
            "PUT", "/v1/chunks/\(Digest.of(bytes))", token: registry.adminToken,
            headers: [("ModelFleet-Codec", "identity"), ("ModelFleet-Length", "5000")], body: bytes)
        #expect(response.status == 413)
        #expect(error(response) == ("too_large", "request body is over the limit of 1000 bytes"))
        #expect(registry.storedChunkFiles().isEmpty)
    }

    @Test func digestMismatchIs422AndNothingIsKept() async throws {
        let registry = try await RegistryHarness.start()
        let bytes = [UInt8](repeating: 1, count: 4096)
        let claimed = Digest.of([UInt8](repeating: 2, count: 4096))
        let response = try await registry.raw(
            "PUT", "/v1/chunks/\(claimed)", token: registry.adminToken,
            headers: [("ModelFleet-Codec", "identity"), ("ModelFleet-Length", "4096")], body: bytes)
        #expect(response.status == 422)
        #expect(
            error(response) == ("digest_mismatch", "digest mismatch for chunk \(claimed) after identity decoding: expected \(claimed), got \(Digest.of(bytes))")
        )
        #expect(registry.storedChunkFiles().isEmpty)
        #expect(try await registry.admin.missingChunks([claimed]).missing == [claimed])

        // A corrupt compressed body is refused the same way.
        let garbage = try await registry.raw(
            "PUT", "/v1/chunks/\(claimed)", token: registry.adminToken,
            headers: [("ModelFleet-Codec", "zstd"), ("ModelFleet-Length", "4096")], body: [1, 2, 3, 4])
        #expect(garbage.status == 422)
        #expect(error(garbage).message.hasPrefix("corrupt chunk \(claimed): zstd: "))
        #expect(registry.storedChunkFiles().isEmpty)
    }

    @Test func malformedJSONIs400NamingTheByteOrTheField() async throws {
        let registry = try await RegistryHarness.start()
        let truncated = try await registry.raw("POST", "/v1/chunks/missing", token: registry.adminToken, body: Array(#"{"digests":["#.utf8))
        #expect(truncated.status == 400)
        #expect(error(truncated) == ("bad_request", "malformed JSON: document ends early (truncated?): expected a value at byte 12"))

        let wrongField = try await registry.raw("POST", "/v1/chunks/missing", token: registry.adminToken, body: Array(#"{"digests":["sha256:abc"]}"#.utf8))
        #expect(wrongField.status == 400)
        #expect(
            error(wrongField) == ("bad_request", "invalid request body: digests[0]: malformed digest 'sha256:abc': expected 64 hex digits, found 3 characters"))

        let missingField = try await registry.raw("POST", "/v1/devices/enroll", token: registry.enrollToken, body: Array(#"{"arch":"aarch64"}"#.utf8))
        #expect(missingField.status == 400)
        #expect(error(missingField) == ("bad_request", "invalid request body: ramBytes: required field is missing"))
    }

    @Test func commitWithMissingChunksIs409ListingThem() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        let manifest = try publisher.manifest(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))
        // Upload all but two chunks.
        let chunks = manifest.files[0].chunks
        for chunk in chunks.dropFirst(2) {
            try await registry.admin.putChunk(chunk.digest, codec: chunk.codec, length: chunk.length, stored: publisher.stored[chunk.digest] ?? [])
        }
        let response = try await registry.raw("POST", "/v1/models/digits-mlp/versions", token: registry.adminToken, body: try ManifestCoding.encode(manifest))
        #expect(response.status == 409)
        let failure = RegistryClient.failure(response)
        #expect(failure.code == "missing_chunks")
        #expect(failure.missing == Array(chunks.prefix(2).map(\.digest)))
        #expect(try await registry.raw("GET", "/v1/models/digits-mlp/versions", token: registry.adminToken).status == 404)
    }

    @Test func badSignaturesAre422AndNothingIsCommitted() async throws {
        let registry = try await RegistryHarness.start()
        let trusted = TestPublisher()
        let stranger = TestPublisher()
        try await registry.admin.registerPublisher(trusted.key.publicKey)
        let byStranger = try stranger.manifest(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))
        try await stranger.upload(byStranger, to: registry.admin)
        let untrusted = try await registry.raw(
            "POST", "/v1/models/digits-mlp/versions", token: registry.adminToken, body: try ManifestCoding.encode(byStranger))
        #expect(untrusted.status == 422)
        #expect(error(untrusted) == ("bad_signature", "untrusted manifest: publisher key \(stranger.key.publicKey.keyID) is not among the 1 trusted key(s)"))

        var tampered = try trusted.manifest(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))
        tampered.variant = "int8"
        let forged = try await registry.raw("POST", "/v1/models/digits-mlp/versions", token: registry.adminToken, body: try ManifestCoding.encode(tampered))
        #expect(forged.status == 422)
        #expect(
            error(forged) == ("bad_signature", "bad manifest signature (key \(trusted.key.publicKey.keyID)): signature does not match the manifest's content"))
        #expect(try await registry.raw("GET", "/v1/models", token: registry.adminToken).text == #"{"models":[]}"#)
    }

    @Test func duplicateVersionIs409() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let again = try publisher.manifest(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v3.onnx"))
        try await publisher.upload(again, to: registry.admin)
        let response = try await registry.raw("POST", "/v1/models/digits-mlp/versions", token: registry.adminToken, body: try ManifestCoding.encode(again))
        #expect(response.status == 409)
        #expect(error(response) == ("conflict", "digits-mlp 1.0.0 (fp32) already exists; versions are immutable, publish a new version"))
        // The first commit is what is served.
        let versions = try await registry.raw("GET", "/v1/models/digits-mlp/versions", token: registry.adminToken)
        #expect(versions.text.components(separatedBy: "\"version\":").count == 2)
    }

    @Test func unknownModelIs404() async throws {
        let registry = try await RegistryHarness.start()
        let response = try await registry.raw("GET", "/v1/models/nope/versions", token: registry.adminToken)
        #expect(response.status == 404)
        #expect(error(response) == ("not_found", "no model named 'nope'"))
        let chunk = try await registry.raw("GET", "/v1/chunks/\(Digest.of([UInt8]()))", token: registry.adminToken)
        #expect(chunk.status == 404)
        let route = try await registry.raw("GET", "/v1/nothing-here", token: registry.adminToken)
        #expect(route.status == 404)
        #expect(route[header: "content-type"] == "application/json")
    }

    @Test(arguments: ["..", "a%2Fb", "a%00b", String(repeating: "m", count: 129), "Upper"])
    func badModelNamesAre400(name: String) async throws {
        let registry = try await RegistryHarness.start()
        let response = try await registry.raw("POST", "/v1/models/\(name)/versions", token: registry.adminToken, body: Array("{}".utf8))
        #expect(response.status == 400)
        #expect(error(response).message.contains("must be 1-128 characters of a-z 0-9 . _ -"))
    }
}
