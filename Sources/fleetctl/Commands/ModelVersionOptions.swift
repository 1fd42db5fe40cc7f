import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// The model file, its name, version, variant, signing key and self-test vectors: what both
/// `fleetctl push` and `fleetctl manifest` describe a version with.
struct ModelVersionOptions: ParsableArguments {
    @Argument(help: "The model file (its file name becomes its path in the manifest).") var file: String
    @Option(help: "Model name (a-z 0-9 . _ -).") var model: String
    @Option(help: "Semantic version, e.g. 1.4.0.") var version: String
    @Option(help: "Variant, e.g. fp32 or int8.") var variant: String = "fp32"
    @Option(help: "Publisher private key.") var key: String = "publisher.key"
    @Option(help: "Folder with input_N.pb and output_N.pb TensorProto files to attach as self-test vectors.") var selfTest: String?
    @Option(help: "Requirement: minimum device RAM, e.g. 512M or 2G.") var minRam: String?
    @Option(help: "Requirement: CPU architectures, e.g. aarch64,x86_64.") var arch: String?
    @Option(help: "Requirement: minimum engine version.") var minEngine: String?
    @Option(help: "Requirement: ONNX operators the device's engine must support, e.g. QLinearConv,DequantizeLinear.") var requireOps: String?

    /// The variant's device requirements (signed with the manifest), or nil when none is given.
    var requirements: Manifest.Requirements? {
        get throws {
            func list(_ text: String?) -> [String]? {
                text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            }
            let requirements = Manifest.Requirements(
                minRAMBytes: try minRam.map(Self.bytes), architectures: list(arch),
                minEngineVersion: try minEngine.map(SemanticVersion.init(parsing:)), requiredOps: list(requireOps))
            return requirements == Manifest.Requirements() ? nil : requirements
        }
    }

    /// `1048576`, `512K`, `512M`, `2G` → bytes.
    static func bytes(_ text: String) throws -> UInt64 {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text)
        var unit: UInt64 = 1
        if let last = text.uppercased().last, let factor = units[last] {
            digits = text.dropLast()
            unit = factor
        }
        guard let value = UInt64(digits) else { throw ValidationError("'\(text)' is not a size like 512M or 2G") }
        return value * unit
    }

    var semanticVersion: SemanticVersion {
        get throws { try SemanticVersion(parsing: version) }
    }

    /// The files of the version (the model, then `self-test/input_N.pb`, `self-test/output_N.pb`) and
    /// the self-test description naming them.
    func files() throws -> (inputs: [ModelPublisher.FileInput], selfTest: Manifest.SelfTest?) {
        let modelName = URL(fileURLWithPath: file).lastPathComponent
        var inputs = [ModelPublisher.FileInput(localPath: file, manifestPath: modelName, mode: ArtifactPacker.defaultMode(forPath: file))]
        guard let selfTest else { return (inputs, nil) }
        let vectors = try SelfTestVectors(folder: selfTest)
        for name in vectors.inputs + vectors.outputs {
            inputs.append(.init(localPath: selfTest + "/" + name, manifestPath: "self-test/" + name, mode: .plain))
        }
        return (inputs, .init(model: modelName, inputs: vectors.inputs.map { "self-test/" + $0 }, outputs: vectors.outputs.map { "self-test/" + $0 }))
    }
}

/// The `input_N.pb` / `output_N.pb` files of one ONNX backend-test style folder, in order.
struct SelfTestVectors {
    let inputs: [String]
    let outputs: [String]

    init(folder: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        inputs = Self.numbered("input_", in: names)
        outputs = Self.numbered("output_", in: names)
        guard !inputs.isEmpty, !outputs.isEmpty else {
            throw ValidationError("\(folder) must hold input_N.pb and output_N.pb files (found \(inputs.count) inputs, \(outputs.count) outputs)")
        }
    }

    /// The names `PREFIXN.pb` among `names`, in the order of N (`input_0.pb`, `input_1.pb`, … `input_10.pb`).
    static func numbered(_ prefix: String, in names: [String]) -> [String] {
        names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix(prefix), name.hasSuffix(".pb"), let index = Int(name.dropFirst(prefix.count).dropLast(3)) else { return nil }
            return (index, name)
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
