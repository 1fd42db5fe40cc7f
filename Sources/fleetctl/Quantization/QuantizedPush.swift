import FleetCore
import FleetHTTP
import Foundation
import InferenceEngine

/// The int8 variant `fleetctl push --quantize int8` publishes beside the float one: its files in a temporary folder
/// (the model under the float file's name, and its own self-test vectors), its requirements and its quantization
/// record. Throws `Int8Variant.Refused` when it should not be published.
struct QuantizedPush {
    let options: QuantizeOptions
    let version: ModelVersionOptions

    struct Prepared {
        let folder: String
        let inputs: [ModelPublisher.FileInput]
        let selfTest: Manifest.SelfTest
        let requirements: Manifest.Requirements
        let record: Manifest.Quantization
        let lines: [String]
        let latency: (float: Double, int8: Double)
    }

    func prepare() throws -> Prepared {
        let float = try Model(contentsOf: version.file)
        let samples = try options.samples(selfTest: version.selfTest, model: float)
        let variant = try Int8Variant.make(modelAt: version.file, samples: samples, limit: options.maxQuantError, keepingFloat: options.keptFloat)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleetctl-int8-\(UUID().uuidString)").path
        let fileName = URL(fileURLWithPath: version.file).lastPathComponent
        // The caller removes the folder once the variant is pushed; until `Prepared` is returned, this does.
        var handedOver = false
        defer { if !handedOver { try? FileManager.default.removeItem(atPath: folder) } }
        let written = try variant.write(to: folder, fileName: fileName)
        let vectors = try SelfTestVectors(folder: written.selfTest)
        var inputs = [ModelPublisher.FileInput(localPath: written.model, manifestPath: fileName, mode: ArtifactPacker.defaultMode(forPath: fileName))]
        for name in vectors.inputs + vectors.outputs {
            inputs.append(.init(localPath: written.selfTest + "/" + name, manifestPath: "self-test/" + name, mode: .plain))
        }
        let selfTest = Manifest.SelfTest(
            model: fileName, inputs: vectors.inputs.map { "self-test/" + $0 }, outputs: vectors.outputs.map { "self-test/" + $0 },
            relativeTolerance: written.relativeTolerance, absoluteTolerance: written.absoluteTolerance)
        let floatSize = UInt64(float.summary.fileSize)
        let prepared = Prepared(
            folder: folder, inputs: inputs, selfTest: selfTest,
            requirements: try requirements(floatSize: floatSize, int8Size: UInt64(variant.bytes.count), operators: variant.operators),
            record: variant.manifestRecord(sourceVariant: version.variant), lines: variant.summaryLines, latency: variant.latency)
        handedOver = true
        return prepared
    }

    /// The float variant's requirements, plus the operators the rewrite uses; a RAM minimum shrinks with the file, so
    /// a device below the float variant's minimum still fits this one (that is how low-RAM devices come to choose it).
    private func requirements(floatSize: UInt64, int8Size: UInt64, operators: [String]) throws -> Manifest.Requirements {
        var requirements = try version.requirements ?? Manifest.Requirements()
        requirements.requiredOps = Array(Set((requirements.requiredOps ?? []) + operators)).sorted()
        if let ram = requirements.minRAMBytes, floatSize > 0 {
            let scaled = Double(ram) * Double(int8Size) / Double(floatSize)
            requirements.minRAMBytes = UInt64(scaled.rounded(.up))
        }
        return requirements
    }
}
