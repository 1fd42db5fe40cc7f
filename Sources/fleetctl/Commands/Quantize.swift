import ArgumentParser
import FleetCore
import Foundation
import InferenceEngine

/// `fleetctl quantize`: the int8 variant `push --quantize int8` would publish, made locally: to look at the report
/// and the measured error before pushing, or to run the file elsewhere. Nothing is uploaded.
struct Quantize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the int8 variant of a float ONNX model locally and measure it against the float model.",
        discussion: "Exit status 3 when the variant cannot be made or an output moves past its limit (nothing is written then)."
    )

    @Argument(help: "The float ONNX model.") var file: String
    @Option(name: .shortAndLong, help: "Where to write the int8 model.") var output: String
    @OptionGroup var quantizing: QuantizeOptions
    @Flag(help: "List every node left in float, with the reason.") var verbose = false
    @Flag(help: "Print the report as JSON.") var json = false

    struct Summary: Encodable {
        var file: String
        var bytes: Int
        var floatBytes: Int
        var report: QuantizationReport
        var deviations: [Manifest.Quantization.Deviation]
        /// Median milliseconds of one run on the first sample, one thread, on this machine.
        var floatMilliseconds: Double
        var int8Milliseconds: Double
    }

    func run() async throws {
        let float = try Model(contentsOf: file)
        let samples = try quantizing.samples(selfTest: nil, model: float)
        let variant: Int8Variant
        switch Result(catching: { try Int8Variant.make(modelAt: file, samples: samples, limit: quantizing.maxQuantError, keepingFloat: quantizing.keptFloat) })
        {
        case .success(let made): variant = made
        case .failure(let refused as Int8Variant.Refused):
            FileHandle.standardError.write(Data("cannot make the int8 variant: \(refused.reason)\n".utf8))
            throw ExitCode(3)
        case .failure(let error): throw error
        }
        try Data(variant.bytes).write(to: URL(fileURLWithPath: output))
        let floatBytes = float.summary.fileSize
        if json {
            print(
                try JSONText.encode(
                    Summary(
                        file: output, bytes: variant.bytes.count, floatBytes: floatBytes, report: variant.report, deviations: variant.deviations,
                        floatMilliseconds: variant.latency.float, int8Milliseconds: variant.latency.int8)))
            return
        }
        print(
            "wrote \(output): \(variant.bytes.count) bytes, \(String(format: "%.2f", Double(variant.bytes.count) / Double(max(floatBytes, 1))))x the float model's \(floatBytes)"
        )
        for line in variant.summaryLines { print(line) }
        if verbose {
            for node in variant.report.skipped { print("  float: \(node.op) '\(node.name)': \(node.detail)") }
        }
    }
}
