import Foundation
import Testing

@testable import InferenceEngine

/// The int8 rewrite on real models: what it makes loads, runs and answers close to the float model; what it
/// cannot rewrite is refused with a reason.
@Suite struct QuantizerTests {
    private static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: EngineCorpus.path(relative))))
    }

    /// The reference inputs of one corpus model, as one calibration sample.
    private static func referenceSample(_ folder: String, model: Model) throws -> [String: Tensor] {
        let directory = EngineCorpus.path("reference/\(folder)/test_data_set_0")
        var sample: [String: Tensor] = [:]
        for (position, file) in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasPrefix("input_") }).sorted().enumerated() {
            let (name, tensor) = try model.input(protobufFile: directory + "/" + file, position: position)
            sample[name] = tensor
        }
        return sample
    }

    @Test func digitsMLPBecomesInt8WithTheSameAnswers() throws {
        let original = try Self.bytes("models/digits-mlp/v1.onnx")
        let quantized = try ModelQuantizer.quantize(original, calibration: [])
        #expect(quantized.report.quantized.count == 3, "\(quantized.report)")
        #expect(quantized.report.quantized.allSatisfy { $0.op == "MatMul" })
        #expect(Double(quantized.bytes.count) / Double(original.count) < 0.3, "\(quantized.bytes.count) of \(original.count) bytes")

        let folder = EngineCorpus.path("models/digits-mlp")
        let x = try NumpyFile(path: folder + "/X_test.npy")
        let truth = try NumpyFile(path: folder + "/y_test.npy").int64s()
        let sample = ["input": try Tensor(shape: x.shape, values: x.floats())]
        let float = InferenceSession(try Model(bytes: original))
        let int8 = InferenceSession(try Model(bytes: quantized.bytes))
        let summary = try Model(bytes: quantized.bytes).summary
        #expect(summary.operatorHistogram["MatMulInteger"] == 3 && summary.operatorHistogram["DynamicQuantizeLinear"] == 3)
        #expect(summary.operatorHistogram["MatMul"] == nil, "\(summary.operatorHistogram)")

        func accuracy(_ session: InferenceSession) throws -> Double {
            let labels = try #require(try session.run(sample)["label"]).values(as: Int64.self)
            return Double(zip(labels, truth).filter { $0 == $1 }.count) / Double(truth.count)
        }
        let (floatAccuracy, int8Accuracy) = (try accuracy(float), try accuracy(int8))
        #expect(abs(floatAccuracy - int8Accuracy) <= 0.01, "float \(floatAccuracy), int8 \(int8Accuracy)")
        let deviations = try OutputDeviation.measure(candidate: int8, reference: float, samples: [sample])
        let probabilities = try #require(deviations.first { $0.output == "probabilities" })
        #expect(probabilities.measure == .relativeRMS && probabilities.value > 0 && probabilities.value < 0.05, "\(deviations)")
        let labels = try #require(deviations.first { $0.output == "label" })
        #expect(labels.measure == .mismatchedFraction && labels.value < 0.02, "\(deviations)")
    }

    @Test func convolutionsAreCalibratedAndFoldTheirNormalization() throws {
        let folder = "rapidocr-onnxruntime-1.2.13/ch_ppocr_mobile_v2.0_cls_infer"
        let original = try Self.bytes("reference/\(folder)/model.onnx")
        let float = InferenceSession(try Model(bytes: original))
        let sample = try Self.referenceSample(folder, model: float.model)

        #expect {
            try ModelQuantizer.quantize(original, calibration: [])
        } throws: { error in
            "\(error)".contains("convolution(s) need calibration inputs") && "\(error)".contains("--calibration")
        }

        let quantized = try ModelQuantizer.quantize(original, calibration: [sample])
        let convolutions = quantized.report.quantized.filter { $0.op == "Conv" }
        #expect(!convolutions.isEmpty && convolutions.contains { $0.detail.contains("BatchNormalization") }, "\(quantized.report)")
        #expect(quantized.report.skipped.contains { $0.detail.contains("grouped convolution") }, "depthwise convolutions stay float")
        let summary = try Model(bytes: quantized.bytes).summary
        #expect(summary.operatorHistogram["QLinearConv"] == convolutions.count)
        #expect((summary.operatorHistogram["BatchNormalization"] ?? 0) < (float.model.summary.operatorHistogram["BatchNormalization"] ?? 0))

        let int8 = InferenceSession(try Model(bytes: quantized.bytes))
        let deviation = try OutputDeviation.measure(candidate: int8, reference: float, samples: [sample])
        #expect(deviation.count == 1 && deviation[0].measure == .relativeRMS && deviation[0].value < 0.1, "\(deviation)")
    }

    /// Opset 13 and later rescale the int32 sums with one DequantizeLinear (a scale per column); older opsets, which
    /// have no per-axis DequantizeLinear, with Cast and Mul.
    @Test(arguments: [12, 13])
    func gemmWithTransposedWeightsAndBiasKeepsItsAnswer(opset: Int) throws {
        // y = 0.5 * x · Wᵀ + 2 * c, with W stored [N, K] (transB), as torch exports Linear layers.
        let (k, n) = (64, 48)
        var random = SystemRandomNumberGenerator()
        let w = (0..<(n * k)).map { _ in Float.random(in: -1...1, using: &random) }
        let c = (0..<n).map { _ in Float.random(in: -1...1, using: &random) }
        var builder = ONNXBuilder()
        builder.opset = opset
        builder.inputs = [.init(name: "x", dims: [-1, k])]
        builder.outputs = [.init(name: "y", dims: [-1, n])]
        builder.initializers = [
            .init(name: "W", dims: [n, k], raw: w.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }),
            .init(name: "C", dims: [n], raw: c.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        ]
        builder.nodes = [
            .init(op: "Gemm", inputs: ["x", "W", "C"], outputs: ["y"], attributes: [("alpha", .float(0.5)), ("beta", .float(2)), ("transB", .int(1))])
        ]
        let original = builder.bytes()
        let quantized = try ModelQuantizer.quantize(original, calibration: [])
        #expect(quantized.report.quantized.map(\.op) == ["Gemm"])
        let histogram = try Model(bytes: quantized.bytes).summary.operatorHistogram
        #expect(opset >= 13 ? histogram["DequantizeLinear"] == 1 && histogram["Cast"] == nil : histogram["Cast"] == 1, "\(histogram)")
        let x = try Tensor(shape: [8, k], values: (0..<(8 * k)).map { _ in Float.random(in: -2...2, using: &random) })
        let deviation = try OutputDeviation.measure(
            candidate: InferenceSession(try Model(bytes: quantized.bytes)), reference: InferenceSession(try Model(bytes: original)),
            samples: [["x": x]])
        #expect(deviation[0].value < 0.02, "\(deviation)")
    }

    /// Before IR 4 every initializer had to be a graph input too: those are weights, not overridable inputs. From IR 4
    /// on, an initializer listed as an input is a default the caller may replace, so it stays float.
    @Test(arguments: [(3, true), (8, false)])
    func initializersListedAsInputsAreWeightsOnlyInOldFiles(irVersion: Int, quantized: Bool) throws {
        let (k, n) = (64, 32)
        var builder = ONNXBuilder()
        builder.irVersion = irVersion
        builder.opset = 13
        builder.inputs = [.init(name: "x", dims: [1, k]), .init(name: "W", dims: [k, n])]
        builder.outputs = [.init(name: "y", dims: [1, n])]
        builder.initializers = [
            .init(name: "W", dims: [k, n], raw: (0..<(k * n)).flatMap { withUnsafeBytes(of: Float($0 % 7).bitPattern.littleEndian, Array.init) })
        ]
        builder.nodes = [.init(op: "MatMul", inputs: ["x", "W"], outputs: ["y"])]
        if quantized {
            let result = try ModelQuantizer.quantize(builder.bytes(), calibration: [])
            #expect(result.report.quantized.map(\.op) == ["MatMul"])
            // Before IR 4 every initializer is listed as an input: the new ones are, the replaced weight is gone.
            let graph = try EditableGraph(bytes: result.bytes)
            let inputs = Set(graph.inputs.map(\.name))
            #expect(inputs.contains("x") && !inputs.contains("W"), "\(inputs)")
            #expect(Set(graph.initializers.map(\.name)).isSubset(of: inputs), "\(inputs)")
            _ = try Model(bytes: result.bytes)
        } else {
            #expect {
                try ModelQuantizer.quantize(builder.bytes(), calibration: [])
            } throws: { error in
                "\(error)".contains("nothing to quantize") && "\(error)".contains("computed, not a constant")
            }
        }
    }

    /// An activation range too narrow for a normal float scale, or none at all, quantizes to 0 with scale 1 instead
    /// of dividing by a zero scale.
    @Test func degenerateRangesGiveAUsableScale() {
        for (low, high) in [(Float(0), Float(1e-44)), (0, 0), (.infinity, -.infinity), (-3e38, 3e38)] {
            let parameters = ActivationQuantization(ValueRange(low: low, high: high))
            #expect(parameters.scale.isNormal && parameters.scale > 0, "[\(low), \(high)]: \(parameters.scale)")
        }
        let relu = ActivationQuantization(ValueRange(low: 0, high: 6))
        #expect(relu.zeroPoint == 0 && abs(relu.scale - 6 / 255) < 1e-7)
    }

    @Test func whatCannotBeRewrittenIsRefusedWithTheReason() throws {
        let digits = try Self.bytes("models/digits-mlp/v1.onnx")
        let once = try ModelQuantizer.quantize(digits, calibration: [])
        #expect {
            try ModelQuantizer.quantize(once.bytes, calibration: [])
        } throws: { error in
            "\(error)".contains("already quantized") && "\(error)".contains("DynamicQuantizeLinear")
        }

        #expect {
            try ModelQuantizer.quantize(try Self.bytes("onnx-node-tests/test_relu/model.onnx"), calibration: [])
        } throws: { error in
            "\(error)".contains("nothing to quantize")
        }

        var old = ONNXBuilder()
        old.opset = 10
        old.inputs = [.init(name: "x", dims: [1, 4])]
        old.outputs = [.init(name: "y", dims: [1, 4])]
        old.nodes = [.init(op: "Relu", inputs: ["x"], outputs: ["y"])]
        #expect {
            try ModelQuantizer.quantize(old.bytes(), calibration: [])
        } throws: { error in
            "\(error)".contains("opset 10") && "\(error)".contains("11 or later")
        }

        #expect(throws: EngineError.self) { try ModelQuantizer.quantize(Array(digits.prefix(1000)), calibration: []) }
    }
}
