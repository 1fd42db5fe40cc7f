@testable import FleetCore

/// A real manifest: digits-mlp v1 packed with the standard settings, plus self-test vectors.
enum ManifestFixtures {
    static let seed = [UInt8](repeating: 7, count: 32)

    static func publisherKey() throws -> PublisherPrivateKey {
        try PublisherPrivateKey(seed: seed)
    }

    static func unsigned() throws -> Manifest {
        let packer = ArtifactPacker()
        let model = try packer.pack(file: Corpus.path("models/digits-mlp/v1.onnx"), as: "model.onnx", mode: .tensorAware)
        let input = try packer.pack(file: Corpus.path("reference/digits-mlp/v1/test_data_set_0/input_0.pb"), as: "self-test/input_0.pb", mode: .plain)
        let output = try packer.pack(file: Corpus.path("reference/digits-mlp/v1/test_data_set_0/output_0.pb"), as: "self-test/output_0.pb", mode: .plain)
        return Manifest(
            model: "digits-mlp", version: try SemanticVersion(parsing: "1.0.0"), variant: "fp32",
            files: [model, input, output],
            selfTest: .init(model: "model.onnx", inputs: ["self-test/input_0.pb"], outputs: ["self-test/output_0.pb"]),
            createdAt: try Timestamp(parsing: "2026-11-27T08:30:00Z"), publisher: "unset"
        )
    }

    static func signedBytes() throws -> [UInt8] {
        try ManifestCoding.encode(try ManifestSigning.sign(try unsigned(), with: try publisherKey()))
    }

    static func trust() throws -> TrustedPublishers {
        TrustedPublishers([try publisherKey().publicKey])
    }
}
