import ArgumentParser
import FleetCore
import Foundation

/// `fleetctl manifest`: builds and signs a manifest locally — what `push` will send to a registry.
struct Manifest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chunk a model (and its self-test vectors) and write a signed manifest.",
        discussion: "Nothing is uploaded: this shows exactly what a push would commit, and lets a manifest be signed on an offline machine."
    )

    @Argument(help: "The model file (its file name becomes its path in the manifest).") var file: String
    @Option(help: "Model name (a-z 0-9 . _ -).") var model: String
    @Option(help: "Semantic version, e.g. 1.4.0.") var version: String
    @Option(help: "Variant, e.g. fp32 or int8.") var variant: String = "fp32"
    @Option(help: "Publisher private key.") var key: String = "publisher.key"
    @Option(help: "Folder with input_N.pb and output_N.pb TensorProto files to attach as self-test vectors.") var selfTest: String?
    @Option(help: "Where to write the manifest (default: standard output).") var out: String?

    func run() throws {
        let signingKey = try KeyFiles.loadPrivateKey(from: key)
        let packer = ArtifactPacker()
        let modelName = URL(fileURLWithPath: file).lastPathComponent
        var files = [try packer.pack(file: file, as: modelName, mode: ArtifactPacker.defaultMode(forPath: file))]
        var test: FleetCore.Manifest.SelfTest?
        if let selfTest {
            let vectors = try SelfTestVectors(folder: selfTest)
            for name in vectors.inputs + vectors.outputs {
                files.append(try packer.pack(file: selfTest + "/" + name, as: "self-test/" + name, mode: .plain))
            }
            test = .init(model: modelName, inputs: vectors.inputs.map { "self-test/" + $0 }, outputs: vectors.outputs.map { "self-test/" + $0 })
        }
        let unsigned = FleetCore.Manifest(
            model: model, version: try SemanticVersion(parsing: version), variant: variant, files: files,
            selfTest: test, createdAt: .now(), publisher: signingKey.publicKey.keyID
        )
        try ManifestValidator.validate(unsigned)
        let bytes = try ManifestCoding.encode(try ManifestSigning.sign(unsigned, with: signingKey))
        if let out {
            try Data(bytes).write(to: URL(fileURLWithPath: out), options: .atomic)
            FileHandle.standardError.write(Data("wrote \(out): \(model) \(version) (\(variant)), \(files.count) file(s), signed by \(signingKey.publicKey.keyID)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(bytes + [0x0a]))
        }
    }
}

/// The `input_N.pb` / `output_N.pb` files of one ONNX backend-test style folder, in order.
struct SelfTestVectors {
    let inputs: [String]
    let outputs: [String]

    init(folder: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        func numbered(_ prefix: String) -> [String] {
            names.compactMap { name -> (Int, String)? in
                guard name.hasPrefix(prefix), name.hasSuffix(".pb"), let index = Int(name.dropFirst(prefix.count).dropLast(3)) else { return nil }
                return (index, name)
            }.sorted { $0.0 < $1.0 }.map(\.1)
        }
        inputs = numbered("input_")
        outputs = numbered("output_")
        guard !inputs.isEmpty, !outputs.isEmpty else {
            throw ValidationError("\(folder) must hold input_N.pb and output_N.pb files (found \(inputs.count) inputs, \(outputs.count) outputs)")
        }
    }
}
