import ArgumentParser
import FleetCore
import Foundation
import InferenceEngine

/// The int8 variant of a float model, made and judged on the publisher's machine before anything is uploaded:
/// rewritten by the engine's quantizer, run beside the float model on the samples, and refused when an output moves
/// further than its limit. Serves `fleetctl push --quantize int8` and `fleetctl quantize`.
struct Int8Variant {
    /// What the variant is (bytes, report) and how far it answers from the float model.
    let bytes: [UInt8]
    /// The operators the rewrite wrote (a device must support them) and the float file's digest.
    let operators: [String]
    let sourceDigest: Digest
    let report: QuantizationReport
    let deviations: [Manifest.Quantization.Deviation]
    let samples: [[String: Tensor]]
    let int8Session: InferenceSession
    /// Median milliseconds of one run on the first sample, float and int8, one thread, on the publisher's machine:
    /// int8 is smaller everywhere but not faster everywhere (a tiny model pays more for the quantization steps than
    /// its products save), and a publisher should see which before devices do.
    let latency: (float: Double, int8: Double)

    /// Default limits per output type: how far an int8 variant may answer from float and still be published.
    /// Float outputs: relative RMS error 5 % (digits-mlp's probabilities move 1–2 %, the OCR convolutions 3–4 %).
    /// Integer and boolean outputs (labels, masks): 2 % of the elements may differ.
    static let defaultFloatLimit = 0.05
    static let defaultLabelLimit = 0.02

    /// Why the variant was not made or is not fit to publish, in one line for the publisher.
    struct Refused: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// Quantizes the model at `path` and measures it on `samples` against the float model; throws `Refused` when it
    /// cannot be made or an output moves past its limit (`limit` for every output if given, else the default for
    /// the output's type).
    static func make(modelAt path: String, samples: [[String: Tensor]], limit: Double?, keepingFloat: Set<String> = []) throws -> Int8Variant {
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let float = InferenceSession(try Model(bytes: original))
        guard !samples.isEmpty else {
            throw Refused(reason: "no sample inputs to measure the int8 error on: give --calibration DIR or --self-test DIR")
        }
        let quantized: QuantizedModel
        do {
            quantized = try ModelQuantizer.quantize(original, calibration: samples, keepingFloat: keepingFloat)
        } catch let refusal as QuantizationRefusal {
            throw Refused(reason: refusal.reason)
        }
        // The rewrite wrote something this engine cannot load or run: a refusal like any other, never a published file.
        let checked = Result { () throws -> (InferenceSession, [OutputDeviation]) in
            let session = InferenceSession(try Model(bytes: quantized.bytes))
            return (session, try OutputDeviation.measure(candidate: session, reference: float, samples: samples))
        }
        let (int8, measured): (InferenceSession, [OutputDeviation])
        switch checked {
        case .success(let value): (int8, measured) = value
        case .failure(let error): throw Refused(reason: "the int8 model does not run in this engine: \(error)")
        }
        let deviations = measured.map { deviation in
            Manifest.Quantization.Deviation(
                output: deviation.output, measure: deviation.measure.rawValue, value: deviation.value,
                limit: limit ?? (deviation.measure == .relativeRMS ? defaultFloatLimit : defaultLabelLimit))
        }
        let latency = (
            float: try Self.medianMilliseconds(try Model(bytes: original), samples[0]),
            int8: try Self.medianMilliseconds(try Model(bytes: quantized.bytes), samples[0])
        )
        let variant = Int8Variant(
            bytes: quantized.bytes, operators: quantized.operators, sourceDigest: Digest.of(original), report: quantized.report, deviations: deviations,
            samples: samples, int8Session: int8, latency: latency)
        // Written so that NaN (an int8 model answering NaN or infinity) fails the limit too.
        if let over = deviations.first(where: { !($0.value <= $0.limit) }) {
            throw Refused(
                reason: "output '\(over.output)' moves \(Self.describe(over)) from float, above the limit \(Self.format(over.limit))"
                    + (limit == nil ? " (raise it with --max-quant-error)" : ""))
        }
        return variant
    }

    /// "a relative RMS error of 0.0123" / "in 1.3 % of its elements".
    static func describe(_ deviation: Manifest.Quantization.Deviation) -> String {
        deviation.measure == OutputDeviation.Measure.relativeRMS.rawValue
            ? "by a relative RMS error of \(format(deviation.value))"
            : "in \(format(deviation.value * 100)) % of its elements"
    }

    static func format(_ value: Double) -> String { String(format: value < 0.01 ? "%.2g" : "%.4f", value) }

    /// Writes the variant into `folder` as `fileName`, with self-test vectors of its own: the first sample's inputs
    /// and what the int8 model answers to them (a device checks the variant against itself, not against float).
    /// The tolerances allow one quantization step of difference between CPUs (rounding in requantization), 1 % of
    /// the largest float output, and nothing more.
    func write(to folder: String, fileName: String) throws -> (model: String, selfTest: String, relativeTolerance: Double, absoluteTolerance: Double) {
        try FileManager.default.createDirectory(atPath: folder + "/self-test", withIntermediateDirectories: true)
        let modelPath = folder + "/" + fileName
        try Data(bytes).write(to: URL(fileURLWithPath: modelPath))
        let model = int8Session.model
        let sample = samples[0]
        let inputNames = model.inputs.map(\.name).filter { sample[$0] != nil }
        for (index, name) in inputNames.enumerated() {
            guard let tensor = sample[name] else { continue }
            try Data(tensor.protobufBytes(name: name)).write(to: URL(fileURLWithPath: folder + "/self-test/input_\(index).pb"))
        }
        let outputs = try int8Session.runOrdered(sample)
        for (index, tensor) in outputs.enumerated() {
            try Data(tensor.protobufBytes(name: int8Session.outputNames[index])).write(to: URL(fileURLWithPath: folder + "/self-test/output_\(index).pb"))
        }
        let largest = outputs.filter { $0.elementType.isFloatingPoint }.flatMap { $0.doubleValues() }.map(abs).max() ?? 0
        return (modelPath, folder + "/self-test", 1e-2, max(1e-4, largest * 1e-2))
    }

    /// The manifest's record of how this variant came from the float file it was made from.
    func manifestRecord(sourceVariant: String) -> Manifest.Quantization {
        Manifest.Quantization(
            scheme: "int8", sourceVariant: sourceVariant, sourceDigest: sourceDigest, quantizedNodes: report.quantized.count,
            floatNodes: report.skipped.count, samples: samples.count, deviations: deviations)
    }

    /// The report as lines for a terminal.
    var summaryLines: [String] {
        var lines = ["\(report.quantized.count) node(s) in int8, \(report.skipped.count) left in float; measured on \(samples.count) sample(s)"]
        lines += deviations.map { "  output '\($0.output)': \(Self.describe($0)) (limit \(Self.format($0.limit)))" }
        let ratio = latency.int8 / max(latency.float, 1e-9)
        lines.append(
            String(format: "  one run here, one thread: float %.3f ms, int8 %.3f ms (%.2fx%@)", latency.float, latency.int8, ratio, ratio > 1 ? ", slower" : "")
        )
        return lines
    }

    /// The median of 9 timed runs after one warm-up, on one thread.
    private static func medianMilliseconds(_ model: Model, _ sample: [String: Tensor]) throws -> Double {
        let session = InferenceSession(model, SessionOptions(threads: 1))
        _ = try session.run(sample)
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<9 {
            let started = clock.now
            _ = try session.run(sample)
            let elapsed = clock.now - started
            times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return times.sorted()[times.count / 2]
    }
}
