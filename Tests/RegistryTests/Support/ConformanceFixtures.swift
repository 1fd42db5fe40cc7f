import FleetCore
import Foundation
import TestSupport

/// Everything signed or packed that the conformance script sends, made before the first request:
/// synchronous work kept out of the async test (the Swift 6.3 hazard in docs/decisions.md).
struct ConformanceFixtures: @unchecked Sendable {
    let publisher: TestPublisher
    /// digits-mlp 1.0.0 and 2.0.0, encoded as committed.
    let manifests: [[UInt8]]
    /// Every chunk of both versions, once each.
    let chunks: [Manifest.Chunk]
    /// 3.0.0 signed by a key the registry never registered.
    let strangersManifest: [UInt8]
    /// The chunk the script damages on disk, and its original bytes in a form other than the stored one.
    let damaged: Manifest.Chunk
    let damagedOtherForm: (codec: ChunkCodec, stored: [UInt8])
    /// A trust document (version 1) listing the publisher, signed by a fresh root; and a version 2 signed by
    /// another root, which the registry must refuse.
    let trustDocument: [UInt8]
    let trustFromAnotherRoot: [UInt8]
    /// Rollback directives from 2.0.0 to 1.0.0: for digits-mlp, and for another model.
    let directive: RollbackDirective
    let wrongModelDirective: RollbackDirective

    static func make() throws -> ConformanceFixtures {
        let publisher = TestPublisher()
        var manifests: [Manifest] = []
        for major in [1, 2] {
            manifests.append(
                try publisher.manifest(model: "digits-mlp", version: "\(major).0.0", file: TestPublisher.corpus("models/digits-mlp/v\(major).onnx")))
        }
        var chunks: [Manifest.Chunk] = []
        for chunk in manifests.flatMap({ $0.files.flatMap(\.chunks) }) where !chunks.contains(where: { $0.digest == chunk.digest }) {
            chunks.append(chunk)
        }
        let stranger = try TestPublisher().manifest(model: "digits-mlp", version: "3.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"))
        let damaged = try require(chunks.first { $0.codec != .identity } ?? chunks.first)
        let root = PublisherPrivateKey.generate()
        let now = Timestamp.now()
        let trust = try TrustDocument(
            version: 1, issuedAt: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch - 60),
            expires: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + 86_400), publishers: [publisher.key.publicKey], signedBy: root)
        let impostor = try TrustDocument(
            version: 2, issuedAt: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch - 60),
            expires: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + 86_400), publishers: [publisher.key.publicKey],
            signedBy: PublisherPrivateKey.generate())
        let (v1, v2) = (try SemanticVersion(parsing: "1.0.0"), try SemanticVersion(parsing: "2.0.0"))
        return ConformanceFixtures(
            publisher: publisher, manifests: try manifests.map(ManifestCoding.encode), chunks: chunks,
            strangersManifest: try ManifestCoding.encode(stranger), damaged: damaged,
            damagedOtherForm: try otherForm(of: damaged, stored: publisher.stored[damaged.digest] ?? []),
            trustDocument: try TrustDocumentCoding.encode(trust), trustFromAnotherRoot: try TrustDocumentCoding.encode(impostor),
            directive: try RollbackDirective(model: "digits-mlp", from: v2, to: v1, key: publisher.key),
            wrongModelDirective: try RollbackDirective(model: "other", from: v2, to: v1, key: publisher.key))
    }

    /// The chunk's original bytes as identity when it is stored compressed, else zlib-compressed.
    static func otherForm(of chunk: Manifest.Chunk, stored: [UInt8]) throws -> (codec: ChunkCodec, stored: [UInt8]) {
        let compressor = ChunkCompressor()
        let original = try stored.withUnsafeBytes { try compressor.decode($0, codec: chunk.codec, length: chunk.length, digest: chunk.digest) }
        guard chunk.codec == .identity else { return (.identity, original) }
        let settings = ChunkCompressor.Settings(compressor: .zlib, level: 6, shuffle: false)
        return try original.withUnsafeBytes { try compressor.encode($0, elementWidth: 1, settings: settings) }
    }

    /// The headers a chunk upload carries.
    static func headers(codec: ChunkCodec, length: Int) -> [(name: String, value: String)] {
        [("ModelFleet-Codec", codec.description), ("ModelFleet-Length", String(length))]
    }

    struct Missing: Error {}
}

/// `#require` for synchronous helpers outside a test body.
private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw ConformanceFixtures.Missing() }
    return value
}
