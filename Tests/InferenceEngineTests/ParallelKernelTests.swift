import FleetCore
import Foundation
import InferenceEngine
import Testing

/// The fast convolution paths (depthwise C kernel, per-tap GEMM bands, im2col slices), the fused
/// epilogues and the threaded elementwise kernel, each checked against a plain loop computed here
/// in double precision, with one thread and with several.
@Suite struct ParallelKernelTests {
    struct ConvCase: CustomStringConvertible {
        var channels: Int, outputs: Int, group: Int, size: (Int, Int), kernel: (Int, Int)
        var strides = [1, 1], pads = [0, 0, 0, 0], dilations = [1, 1]
        var description: String { "C\(channels)->\(outputs) g\(group) \(size) k\(kernel) s\(strides) p\(pads) d\(dilations)" }
    }

    static let convCases: [ConvCase] = [
        // Depthwise (the C kernel): stride 1 and 2, 3x3 and 5x5, asymmetric padding.
        ConvCase(channels: 24, outputs: 24, group: 24, size: (37, 41), kernel: (3, 3), pads: [1, 1, 1, 1]),
        ConvCase(channels: 16, outputs: 16, group: 16, size: (40, 33), kernel: (5, 5), strides: [2, 2], pads: [2, 1, 2, 2]),
        ConvCase(channels: 8, outputs: 16, group: 8, size: (20, 20), kernel: (3, 3), strides: [2, 1], pads: [0, 1, 1, 0]),
        // Per-tap GEMM bands: stride 1 with several input channels, dilation, uneven padding, groups.
        ConvCase(channels: 48, outputs: 12, group: 1, size: (70, 65), kernel: (3, 3), pads: [1, 1, 1, 1]),
        ConvCase(channels: 16, outputs: 8, group: 2, size: (31, 29), kernel: (3, 5), pads: [0, 2, 1, 2], dilations: [2, 1]),
        // im2col slices (stride 2) and the pointwise GEMM.
        ConvCase(channels: 6, outputs: 10, group: 1, size: (65, 64), kernel: (3, 3), strides: [2, 2], pads: [1, 1, 1, 1]),
        ConvCase(channels: 32, outputs: 40, group: 1, size: (48, 50), kernel: (1, 1))
    ]

    @Test(arguments: convCases)
    func convolutionMatchesPlainLoops(_ conv: ConvCase) throws {
        var random = SeededRandom(seed: 7)
        let (height, width) = conv.size
        let x = (0..<conv.channels * height * width).map { _ in Float(random.unit() * 2 - 1) }
        let w = (0..<conv.outputs * (conv.channels / conv.group) * conv.kernel.0 * conv.kernel.1).map { _ in Float(random.unit() - 0.5) }
        let b = (0..<conv.outputs).map { _ in Float(random.unit()) }
        let expected = Self.referenceConv(conv, x: x, w: w, b: b)

        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: [1, conv.channels, height, width])]
        builder.initializers = [
            .init(name: "w", dims: [conv.outputs, conv.channels / conv.group, conv.kernel.0, conv.kernel.1], raw: w.rawBytes),
            .init(name: "b", dims: [conv.outputs], raw: b.rawBytes)
        ]
        builder.nodes = [
            .init(
                op: "Conv", inputs: ["x", "w", "b"], outputs: ["y"],
                attributes: [
                    ("group", .int(conv.group)), ("strides", .ints(conv.strides)), ("pads", .ints(conv.pads)),
                    ("dilations", .ints(conv.dilations)), ("kernel_shape", .ints([conv.kernel.0, conv.kernel.1]))
                ])
        ]
        builder.outputs = [.init(name: "y", dims: nil)]
        let model = try Model(bytes: builder.bytes())
        let input = try Tensor(shape: [1, conv.channels, height, width], values: x)
        for threads in [1, 2, 3] {
            let y = try #require(try InferenceSession(model, SessionOptions(threads: threads)).run(["x": input])["y"])
            #expect(y.count == expected.count, "\(conv), \(threads) threads")
            let error = zip(y.floatValues(), expected).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(error < 1e-4, "\(conv), \(threads) threads: max error \(error)")
        }
    }

    /// Conv -> BatchNormalization -> activation runs as one step, with the result of the three.
    /// "HardSwishChain" is HardSwish spelt as PaddlePaddle exports it: Div(Mul(n, Clip(Add(n, 3), 0, 6)), 6);
    /// "BiasAdd" is a Conv without bias followed by Add(c, B[1, C, 1, 1]), then BatchNormalization and Relu;
    /// "SwishChain" is SiLU as exporters write it: Mul(n, Sigmoid(n)).
    @Test(arguments: ["Relu", "Clip", "HardSigmoid", "HardSwish", "HardSwishChain", "LeakyRelu", "Sigmoid", "BiasAdd", "SwishChain"])
    func fusedEpilogueMatchesSeparateOperators(_ activation: String) throws {
        let conv = ConvCase(channels: 8, outputs: 6, group: 1, size: (12, 10), kernel: (3, 3), pads: [1, 1, 1, 1])
        var random = SeededRandom(seed: 11)
        let x = (0..<8 * 12 * 10).map { _ in Float(random.unit() * 4 - 2) }
        let w = (0..<6 * 8 * 9).map { _ in Float(random.unit() - 0.5) }
        let b = (0..<6).map { _ in Float(random.unit()) }
        let scale = (0..<6).map { _ in Float(random.unit() + 0.5) }
        let shift = (0..<6).map { _ in Float(random.unit() - 0.5) }
        let mean = (0..<6).map { _ in Float(random.unit() - 0.5) }
        let variance = (0..<6).map { _ in Float(random.unit() + 0.1) }
        let convolved = Self.referenceConv(conv, x: x, w: w, b: b)
        let positions = 12 * 10
        let expected = convolved.enumerated().map { index, value -> Double in
            let c = index / positions
            let normalized = (value - Double(mean[c])) / (Double(variance[c]) + 1e-5).squareRoot() * Double(scale[c]) + Double(shift[c])
            switch activation {
            case "Relu", "BiasAdd": return max(normalized, 0)
            case "Clip": return min(max(normalized, -0.5), 1.5)
            case "HardSigmoid": return max(0, min(1, 0.2 * normalized + 0.5))
            case "HardSwish", "HardSwishChain": return normalized * max(0, min(1, normalized / 6 + 0.5))
            case "LeakyRelu": return normalized < 0 ? 0.01 * normalized : normalized
            case "SwishChain": return normalized / (1 + exp(-normalized))
            default: return 1 / (1 + exp(-normalized))
            }
        }

        func model(exposingConvOutput: Bool) throws -> Model {
            var builder = ONNXBuilder()
            builder.inputs = [.init(name: "x", dims: [1, 8, 12, 10])]
            builder.initializers = [
                .init(name: "w", dims: [6, 8, 3, 3], raw: w.rawBytes), .init(name: "b", dims: [6], raw: b.rawBytes),
                .init(name: "scale", dims: [6], raw: scale.rawBytes), .init(name: "shift", dims: [6], raw: shift.rawBytes),
                .init(name: "mean", dims: [6], raw: mean.rawBytes), .init(name: "var", dims: [6], raw: variance.rawBytes),
                .init(name: "low", dims: [], raw: [Float(-0.5)].rawBytes), .init(name: "high", dims: [], raw: [Float(1.5)].rawBytes),
                .init(name: "zero", dims: [], raw: [Float(0)].rawBytes), .init(name: "three", dims: [], raw: [Float(3)].rawBytes),
                .init(name: "six", dims: [], raw: [Float(6)].rawBytes), .init(name: "b4", dims: [1, 6, 1, 1], raw: b.rawBytes)
            ]
            builder.nodes = [
                .init(op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: [("pads", .ints([1, 1, 1, 1]))]),
                .init(op: "BatchNormalization", inputs: ["c", "scale", "shift", "mean", "var"], outputs: ["n"])
            ]
            if activation == "BiasAdd" {
                builder.nodes = [
                    .init(op: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: [("pads", .ints([1, 1, 1, 1]))]),
                    .init(op: "Add", inputs: ["b4", "c"], outputs: ["biased"]),
                    .init(op: "BatchNormalization", inputs: ["biased", "scale", "shift", "mean", "var"], outputs: ["n"]),
                    .init(op: "Relu", inputs: ["n"], outputs: ["y"])
                ]
            } else if activation == "SwishChain" {
                builder.nodes += [
                    .init(op: "Sigmoid", inputs: ["n"], outputs: ["gate"]),
                    .init(op: "Mul", inputs: ["gate", "n"], outputs: ["y"])
                ]
            } else if activation == "HardSwishChain" {
                builder.nodes += [
                    .init(op: "Add", inputs: ["n", "three"], outputs: ["shifted"]),
                    .init(op: "Clip", inputs: ["shifted", "zero", "six"], outputs: ["clipped"]),
                    .init(op: "Mul", inputs: ["n", "clipped"], outputs: ["product"]),
                    .init(op: "Div", inputs: ["product", "six"], outputs: ["y"])
                ]
            } else {
                builder.nodes.append(.init(op: activation, inputs: activation == "Clip" ? ["n", "low", "high"] : ["n"], outputs: ["y"]))
            }
            builder.outputs = [.init(name: "y", dims: nil)] + (exposingConvOutput ? [.init(name: "c", dims: nil)] : [])
            return try Model(bytes: builder.bytes())
        }
        let input = try Tensor(shape: [1, 8, 12, 10], values: x)
        let fused = try model(exposingConvOutput: false)
        #expect(fused.executedNodeCount == 1)
        // Nothing is fused away that someone else reads: the Conv output is also a graph output here,
        // so the three run apart (an activation fuses only into a Conv, not into a BatchNormalization).
        let separate = try model(exposingConvOutput: true)
        #expect(separate.executedNodeCount == ["HardSwishChain": 6, "BiasAdd": 4, "SwishChain": 4][activation, default: 3])
        for model in [fused, separate] {
            let y = try #require(try InferenceSession(model, SessionOptions(threads: 2)).run(["x": input])["y"])
            let error = zip(y.floatValues(), expected).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(error < 1e-4, "\(activation): max error \(error)")
        }
    }

    /// DequantizeLinear -> activation (what the int8 rewrite leaves after a quantized Conv) runs as one step with the
    /// result of the two; with the dequantized value also a graph output, they run apart.
    @Test(arguments: ["Relu", "Clip", "HardSigmoid", "HardSwishChain"])
    func dequantizeWithAnActivationMatchesSeparateOperators(_ activation: String) throws {
        let values = (0..<(3 * 256)).map { UInt8($0 % 256) }
        let (scale, zero): (Float, UInt8) = (0.05, 128)
        let expected = values.map { value -> Double in
            let x = Double((Float(value) - Float(zero)) * scale)
            switch activation {
            case "Relu": return max(x, 0)
            case "Clip": return min(max(x, -0.5), 1.5)
            case "HardSigmoid": return max(0, min(1, 0.2 * x + 0.5))
            default: return x * max(0, min(1, x / 6 + 0.5))
            }
        }
        func model(exposingDequantized: Bool) throws -> Model {
            var builder = ONNXBuilder()
            builder.inputs = [.init(name: "q", elementType: 2, dims: [1, 3, 16, 16])]
            builder.initializers = [
                .init(name: "scale", dims: [], raw: [scale].rawBytes), .init(name: "zero", dims: [], dataType: 2, raw: [zero]),
                .init(name: "low", dims: [], raw: [Float(-0.5)].rawBytes), .init(name: "high", dims: [], raw: [Float(1.5)].rawBytes),
                .init(name: "floor", dims: [], raw: [Float(0)].rawBytes), .init(name: "three", dims: [], raw: [Float(3)].rawBytes),
                .init(name: "six", dims: [], raw: [Float(6)].rawBytes)
            ]
            builder.nodes = [.init(op: "DequantizeLinear", inputs: ["q", "scale", "zero"], outputs: ["n"])]
            if activation == "HardSwishChain" {
                builder.nodes += [
                    .init(op: "Add", inputs: ["n", "three"], outputs: ["shifted"]),
                    .init(op: "Clip", inputs: ["shifted", "floor", "six"], outputs: ["clipped"]),
                    .init(op: "Mul", inputs: ["n", "clipped"], outputs: ["product"]),
                    .init(op: "Div", inputs: ["product", "six"], outputs: ["y"])
                ]
            } else {
                builder.nodes.append(.init(op: activation, inputs: activation == "Clip" ? ["n", "low", "high"] : ["n"], outputs: ["y"]))
            }
            builder.outputs = [.init(name: "y", dims: nil)] + (exposingDequantized ? [.init(name: "n", dims: nil)] : [])
            return try Model(bytes: builder.bytes())
        }
        let input = try Tensor(shape: [1, 3, 16, 16], values: values)
        let fused = try model(exposingDequantized: false)
        #expect(fused.executedNodeCount == 1)
        let separate = try model(exposingDequantized: true)
        #expect(separate.executedNodeCount == (activation == "HardSwishChain" ? 5 : 2))
        for model in [fused, separate] {
            let y = try #require(try InferenceSession(model).run(["q": input])["y"])
            let error = zip(y.floatValues(), expected).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(error < 1e-5, "\(activation): max error \(error)")
        }
    }

    /// Broadcast Add/Mul/Div split over threads by rows, and flat ranges for equal shapes.
    @Test func threadedArithmeticMatchesPlainLoops() throws {
        var random = SeededRandom(seed: 3)
        let a = (0..<2 * 64 * 40 * 30).map { _ in Float(random.unit() * 2 - 1) }
        let s = (0..<64).map { _ in Float(random.unit() + 0.5) }
        for (op, combine) in [("Add", { (x: Float, y: Float) in x + y }), ("Mul", { $0 * $1 }), ("Div", { $0 / $1 }), ("Sub", { $0 - $1 })] {
            var builder = ONNXBuilder()
            builder.inputs = [.init(name: "a", dims: [2, 64, 40, 30]), .init(name: "s", dims: [1, 64, 1, 1])]
            builder.nodes = [
                .init(op: op, inputs: ["a", "s"], outputs: ["broadcast"]),
                .init(op: op, inputs: ["broadcast", "a"], outputs: ["y"])
            ]
            builder.outputs = [.init(name: "y", dims: nil)]
            let session = InferenceSession(try Model(bytes: builder.bytes()), SessionOptions(threads: 2))
            let y = try #require(
                try session.run([
                    "a": Tensor(shape: [2, 64, 40, 30], values: a),
                    "s": Tensor(shape: [1, 64, 1, 1], values: s)
                ])["y"])
            let expected = a.enumerated().map { index, value in combine(combine(value, s[(index / 1200) % 64]), value) }
            #expect(y.floatValues() == expected, "\(op)")
        }
    }

    /// Products with a handful of columns (the small-N kernel) and their neighbours (the packed one).
    @Test(arguments: [2, 5, 8, 9])
    func fewColumnProductsMatchPlainLoops(_ n: Int) throws {
        var random = SeededRandom(seed: UInt64(n))
        let (m, k) = (70, 300)
        let a = (0..<m * k).map { _ in Float(random.unit() - 0.5) }
        let b = (0..<k * n).map { _ in Float(random.unit() - 0.5) }
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "a", dims: [m, k]), .init(name: "b", dims: [k, n])]
        builder.nodes = [.init(op: "MatMul", inputs: ["a", "b"], outputs: ["y"])]
        builder.outputs = [.init(name: "y", dims: nil)]
        let y = try #require(
            try InferenceSession(try Model(bytes: builder.bytes()), SessionOptions(threads: 2))
                .run(["a": Tensor(shape: [m, k], values: a), "b": Tensor(shape: [k, n], values: b)])["y"]
        ).floatValues()
        var error = 0.0
        for i in 0..<m {
            for j in 0..<n {
                let expected = (0..<k).reduce(0.0) { $0 + Double(a[i * k + $1]) * Double(b[$1 * n + j]) }
                error = max(error, abs(Double(y[i * n + j]) - expected))
            }
        }
        #expect(error < 1e-4, "n = \(n): max error \(error)")
    }

    /// A node fuses into the step that made its input even when the schedule put another step in
    /// between: Conv A, Conv B, then Add(A, bias) runs as two steps, with the right values.
    @Test func fusionReachesPastInterleavedSteps() throws {
        var random = SeededRandom(seed: 9)
        let x = (0..<4 * 6 * 6).map { _ in Float(random.unit() - 0.5) }
        let wa = (0..<3 * 4).map { _ in Float(random.unit() - 0.5) }
        let wb = (0..<2 * 4).map { _ in Float(random.unit() - 0.5) }
        let bias: [Float] = [0.5, -1, 2]
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: [1, 4, 6, 6])]
        builder.initializers = [
            .init(name: "wa", dims: [3, 4, 1, 1], raw: wa.rawBytes), .init(name: "wb", dims: [2, 4, 1, 1], raw: wb.rawBytes),
            .init(name: "bias", dims: [1, 3, 1, 1], raw: bias.rawBytes)
        ]
        builder.nodes = [
            .init(op: "Conv", inputs: ["x", "wa"], outputs: ["a"]),
            .init(op: "Conv", inputs: ["x", "wb"], outputs: ["b"]),
            .init(op: "Add", inputs: ["a", "bias"], outputs: ["y"])
        ]
        builder.outputs = [.init(name: "y", dims: nil), .init(name: "b", dims: nil)]
        let model = try Model(bytes: builder.bytes())
        #expect(model.executedNodeCount == 2)
        let y = try #require(try InferenceSession(model).run(["x": Tensor(shape: [1, 4, 6, 6], values: x)])["y"]).floatValues()
        var error = 0.0
        for m in 0..<3 {
            for p in 0..<36 {
                let expected = (0..<4).reduce(Double(bias[m])) { $0 + Double(wa[m * 4 + $1]) * Double(x[$1 * 36 + p]) }
                error = max(error, abs(Double(y[m * 36 + p]) - expected))
            }
        }
        #expect(error < 1e-5, "max error \(error)")

        // One bias value for three channels broadcasts; it is not a per-channel bias and stays apart.
        builder.initializers[2] = .init(name: "bias", dims: [1, 1, 1, 1], raw: [Float(0.25)].rawBytes)
        let broadcast = try Model(bytes: builder.bytes())
        #expect(broadcast.executedNodeCount == 3)
        let z = try #require(try InferenceSession(broadcast).run(["x": Tensor(shape: [1, 4, 6, 6], values: x)])["y"]).floatValues()
        var broadcastError = 0.0
        for m in 0..<3 {
            for p in 0..<36 {
                let expected = (0..<4).reduce(0.25) { $0 + Double(wa[m * 4 + $1]) * Double(x[$1 * 36 + p]) }
                broadcastError = max(broadcastError, abs(Double(z[m * 36 + p]) - expected))
            }
        }
        #expect(broadcastError < 1e-5, "max error \(broadcastError)")
    }

    /// MatMul followed by Add of a per-column constant runs as one step (the bias added to each row
    /// of the product); a constant that is not one value per column stays a separate Add.
    @Test(arguments: [[24], [1, 24], [1, 1, 24], [5, 24]])
    func matMulBiasFusesWhenItIsPerColumn(_ biasShape: [Int]) throws {
        var random = SeededRandom(seed: 13)
        let a = (0..<3 * 5 * 16).map { _ in Float(random.unit() - 0.5) }
        let b = (0..<16 * 24).map { _ in Float(random.unit() - 0.5) }
        let bias = (0..<biasShape.reduce(1, *)).map { _ in Float(random.unit()) }
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "a", dims: [3, 5, 16])]
        builder.initializers = [.init(name: "b", dims: [16, 24], raw: b.rawBytes), .init(name: "bias", dims: biasShape, raw: bias.rawBytes)]
        builder.nodes = [.init(op: "MatMul", inputs: ["a", "b"], outputs: ["p"]), .init(op: "Add", inputs: ["p", "bias"], outputs: ["y"])]
        builder.outputs = [.init(name: "y", dims: nil)]
        let model = try Model(bytes: builder.bytes())
        #expect(model.executedNodeCount == (biasShape == [5, 24] ? 2 : 1), "bias \(biasShape)")
        let y = try #require(try InferenceSession(model).run(["a": Tensor(shape: [3, 5, 16], values: a)])["y"])
        #expect(y.shape == [3, 5, 24])
        let values = y.floatValues()
        var error = 0.0
        for row in 0..<15 {
            for j in 0..<24 {
                let added = Double(biasShape == [5, 24] ? bias[(row % 5) * 24 + j] : bias[j])
                let expected = (0..<16).reduce(added) { $0 + Double(a[row * 16 + $1]) * Double(b[$1 * 24 + j]) }
                error = max(error, abs(Double(values[row * 24 + j]) - expected))
            }
        }
        #expect(error < 1e-5, "bias \(biasShape): max error \(error)")
    }

    /// The operators that split their loops over threads besides Conv and GEMM (Relu, Clip, the
    /// vectorized Sigmoid and Tanh, Concat, GlobalAveragePool, GlobalMaxPool, nearest Resize,
    /// ConvTranspose's scatter, a BatchNormalization that is not fused), on tensors large enough to split: three threads give exactly what
    /// one gives, and Sigmoid, Tanh, the pooled means and maxima match plain double-precision loops.
    @Test func splitOperatorsMatchOneThread() throws {
        var random = SeededRandom(seed: 5)
        let (channels, side) = (32, 64)
        let x = (0..<channels * side * side).map { _ in Float(random.unit() * 8 - 4) }
        // 24 output channels: more than the 16 a range split of elements would round up to.
        let w = (0..<channels * 24 * 2 * 2).map { _ in Float(random.unit() - 0.5) }
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: [1, channels, side, side])]
        builder.initializers = [
            .init(name: "low", dims: [], raw: [Float(-1)].rawBytes), .init(name: "high", dims: [], raw: [Float(2)].rawBytes),
            .init(name: "scales", dims: [4], raw: [Float(1), 1, 2, 2].rawBytes),
            .init(name: "w", dims: [channels, 24, 2, 2], raw: w.rawBytes),
            .init(name: "gamma", dims: [channels], raw: (0..<channels).map { Float($0) / 8 + 0.5 }.rawBytes),
            .init(name: "beta", dims: [channels], raw: (0..<channels).map { Float($0) / 16 - 1 }.rawBytes),
            .init(name: "mu", dims: [channels], raw: (0..<channels).map { Float($0) / 32 }.rawBytes),
            .init(name: "sigma2", dims: [channels], raw: (0..<channels).map { Float($0) / 4 + 1 }.rawBytes)
        ]
        builder.nodes = [
            .init(op: "Relu", inputs: ["x"], outputs: ["r"]),
            .init(op: "Clip", inputs: ["x", "low", "high"], outputs: ["c"]),
            .init(op: "Sigmoid", inputs: ["x"], outputs: ["s"]),
            .init(op: "Tanh", inputs: ["x"], outputs: ["t"]),
            .init(op: "Concat", inputs: ["r", "c", "s", "t"], outputs: ["joined"], attributes: [("axis", .int(1))]),
            .init(op: "GlobalAveragePool", inputs: ["x"], outputs: ["mean"]),
            .init(op: "GlobalMaxPool", inputs: ["x"], outputs: ["maximum"]),
            .init(op: "BatchNormalization", inputs: ["x", "gamma", "beta", "mu", "sigma2"], outputs: ["normalized"]),
            .init(op: "Resize", inputs: ["x", "", "scales"], outputs: ["upsampled"]),
            .init(op: "ConvTranspose", inputs: ["x", "w"], outputs: ["transposed"], attributes: [("strides", .ints([2, 2]))])
        ]
        let names = ["joined", "mean", "upsampled", "transposed", "maximum", "normalized"]
        builder.outputs = names.map { .init(name: $0, dims: nil) }
        let model = try Model(bytes: builder.bytes())
        let input = try Tensor(shape: [1, channels, side, side], values: x)
        let one = try InferenceSession(model, SessionOptions(threads: 1)).runOrdered(["x": input])
        let three = try InferenceSession(model, SessionOptions(threads: 3)).runOrdered(["x": input])
        for (index, name) in names.enumerated() {
            #expect(one[index].shape == three[index].shape, "\(name)")
            #expect(one[index].floatValues().map(\.bitPattern) == three[index].floatValues().map(\.bitPattern), "\(name) differs across threads")
        }
        let plane = side * side
        let joined = one[0].floatValues()
        var sigmoidError = 0.0
        var tanhError = 0.0
        for (value, input) in zip(joined[(2 * channels * plane)...], x) { sigmoidError = max(sigmoidError, abs(Double(value) - 1 / (1 + exp(-Double(input))))) }
        for (value, input) in zip(joined[(3 * channels * plane)...], x) { tanhError = max(tanhError, abs(Double(value) - tanh(Double(input)))) }
        #expect(sigmoidError < 1e-6, "sigmoid max error \(sigmoidError)")
        #expect(tanhError < 1e-6, "tanh max error \(tanhError)")
        let maxima = one[4].floatValues()
        for c in 0..<channels { #expect(maxima[c] == x[c * plane..<(c + 1) * plane].max(), "channel \(c) maximum") }
        let means = one[1].floatValues()
        var meanError = 0.0
        for c in 0..<channels {
            let sum: Double = x[c * plane..<(c + 1) * plane].reduce(0.0) { $0 + Double($1) }
            meanError = max(meanError, abs(Double(means[c]) - sum / Double(plane)))
        }
        #expect(meanError < 1e-5, "mean max error \(meanError)")
    }

    /// A plain convolution in double precision: the reference the fast paths are held to.
    static func referenceConv(_ conv: ConvCase, x: [Float], w: [Float], b: [Float]) -> [Double] {
        let (height, width) = conv.size
        let (kh, kw) = conv.kernel
        let outHeight = (height + conv.pads[0] + conv.pads[2] - conv.dilations[0] * (kh - 1) - 1) / conv.strides[0] + 1
        let outWidth = (width + conv.pads[1] + conv.pads[3] - conv.dilations[1] * (kw - 1) - 1) / conv.strides[1] + 1
        let cg = conv.channels / conv.group
        let mg = conv.outputs / conv.group
        var y = [Double](repeating: 0, count: conv.outputs * outHeight * outWidth)
        for m in 0..<conv.outputs {
            let g = m / mg
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    var sum = Double(b[m])
                    for c in 0..<cg {
                        for ky in 0..<kh {
                            let iy = oy * conv.strides[0] - conv.pads[0] + ky * conv.dilations[0]
                            guard iy >= 0, iy < height else { continue }
                            for kx in 0..<kw {
                                let ix = ox * conv.strides[1] - conv.pads[1] + kx * conv.dilations[1]
                                guard ix >= 0, ix < width else { continue }
                                sum += Double(x[((g * cg + c) * height + iy) * width + ix]) * Double(w[((m * cg + c) * kh + ky) * kw + kx])
                            }
                        }
                    }
                    y[(m * outHeight + oy) * outWidth + ox] = sum
                }
            }
        }
        return y
    }
}

extension SeededRandom {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
