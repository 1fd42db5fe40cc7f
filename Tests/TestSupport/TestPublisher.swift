public import FleetCore
public import FleetHTTP
import Foundation
import TestCorpus

/// Packs corpus files, uploads what the registry lacks and commits a signed manifest — the steps
/// `fleetctl push` performs — keeping every stored chunk in memory for assertions.
/// A class, used from one test task at a time: its store is read after the awaits that filled it.
public final class TestPublisher: @unchecked Sendable {
    public let key: PublisherPrivateKey
    public var stored: [Digest: [UInt8]] = [:]

    public init(key: PublisherPrivateKey = .generate()) {
        self.key = key
    }

    /// A file of the test corpus (see `TestCorpus` for where it is found).
    public static func corpus(_ relative: String) -> String { TestCorpus.path(relative) }

    /// A signed manifest for one model file (no upload).
    public func manifest(model: String, version: String, variant: String = "fp32", file: String, requirements: Manifest.Requirements? = nil) throws -> Manifest
    {
        var entry = try ArtifactPacker().pack(file: file, as: "model.onnx", mode: ArtifactPacker.defaultMode(forPath: file)) { chunk, bytes in
            stored[chunk.digest] = bytes
        }
        entry.path = "model.onnx"
        let unsigned = Manifest(
            model: model, version: try SemanticVersion(parsing: version), variant: variant, files: [entry],
            requirements: requirements, createdAt: .now(), publisher: key.publicKey.keyID)
        return try ManifestSigning.sign(unsigned, with: key)
    }

    /// Uploads the chunks the registry lacks; returns how many stored bytes went over the wire.
    @discardableResult
    public func upload(_ manifest: Manifest, to client: RegistryClient) async throws -> Int {
        let chunks = manifest.files.flatMap(\.chunks)
        let answer = try await client.missingChunks(chunks.map(\.digest))
        var sent = 0
        for digest in answer.missing {
            guard let chunk = chunks.first(where: { $0.digest == digest }), let bytes = stored[digest] else { continue }
            try await client.putChunk(digest, codec: chunk.codec, length: chunk.length, stored: bytes)
            sent += bytes.count
        }
        return sent
    }

    /// Upload + commit.
    @discardableResult
    public func publish(
        model: String, version: String, variant: String = "fp32", file: String, requirements: Manifest.Requirements? = nil,
        hold: Bool = false, to client: RegistryClient
    ) async throws -> (manifest: Manifest, uploaded: Int) {
        let manifest = try manifest(model: model, version: version, variant: variant, file: file, requirements: requirements)
        let uploaded = try await upload(manifest, to: client)
        try await client.commit(try ManifestCoding.encode(manifest), model: model, hold: hold)
        return (manifest, uploaded)
    }

    /// Publishes digits-mlp `major`.0.0 from the corpus's `v<major>.onnx` (the versions rollout tests step through).
    public func publishDigits(major: Int, to client: RegistryClient) async throws {
        try await publish(model: "digits-mlp", version: "\(major).0.0", file: Self.corpus("models/digits-mlp/v\(major).onnx"), to: client)
    }
}

extension RegistryHarness {
    /// A publisher whose key the registry trusts, and an assignment of `model` to devices matching `selector`.
    public func publisher(assigning model: String, selector: String = "") async throws -> TestPublisher {
        let publisher = TestPublisher()
        try await admin.registerPublisher(publisher.key.publicKey)
        try await admin.assign(AssignmentRequest(model: model, selector: selector))
        return publisher
    }
}
