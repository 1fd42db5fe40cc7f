/// Which nodes of a float model become int8, and with what weights: decided before anything is written.
///
/// - MatMul and Gemm with a constant float weight: dynamic quantization (the activation's range is measured on each
///   run by `DynamicQuantizeLinear`), int8 weights with one scale per output column. No calibration needed.
/// - Conv (group 1) with constant float weights: static quantization to `QLinearConv`, int8 weights per output
///   channel, uint8 activations whose ranges come from calibration. A BatchNormalization right after it is folded
///   into its weights, and a Relu right after that into its output range (a zero point of 0 saturates at 0).
/// Anything else stays float, with the reason recorded for the report.
struct QuantizationPlan {
    struct Product {
        /// The node's position in the graph.
        let node: Int
        let activation: String
        /// [K, N], int8 per column; the column scales already hold Gemm's alpha.
        let weights: ChannelQuantizedWeights
        let k: Int
        let n: Int
        /// Gemm's C: a constant (beta applied) or a value (beta 1).
        let bias: Bias?
        let output: String

        enum Bias {
            case constant(Tensor)
            case value(String)
        }
    }

    struct Convolution {
        let node: Int
        let input: String
        /// [M, C, k...] as int8 per output channel, and the float bias (BatchNormalization folded in).
        let weights: ChannelQuantizedWeights
        let weightShape: [Int]
        let bias: [Float]?
        /// The value the rewritten node produces: the Conv's output, or the BatchNormalization's or Relu's it absorbed.
        let output: String
        /// BatchNormalization and Relu nodes folded into it.
        let absorbed: [Int]
    }

    var products: [Int: Product] = [:]
    var convolutions: [Int: Convolution] = [:]
    var skipped: [QuantizationReport.Node] = []

    /// Weights smaller than this stay float: too little to save for the nodes the rewrite adds.
    static let minimumWeightElements = 1024

    /// `keepingFloat`: names of nodes to leave in float whatever they are (the publisher's choice, or the nodes that
    /// moved the outputs most).
    init(_ graph: EditableGraph, keepingFloat: Set<String> = []) {
        let consumers = Consumers(graph)
        for (index, node) in graph.nodes.enumerated() where node.domain == "" {
            let outcome: Result<Void, Skip>
            if keepingFloat.contains(node.displayName), ["MatMul", "Gemm", "Conv"].contains(node.opType) {
                skipped.append(.init(name: node.displayName, op: node.opType, detail: "kept in float on request"))
                continue
            }
            switch node.opType {
            case "MatMul": outcome = planMatMul(index, node, graph)
            case "Gemm": outcome = planGemm(index, node, graph)
            case "Conv": outcome = planConv(index, node, graph, consumers)
            default: continue
            }
            if case .failure(let skip) = outcome {
                skipped.append(.init(name: node.displayName, op: node.opType, detail: skip.reason))
            }
        }
    }

    /// Why a node stays float.
    struct Skip: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private func constantWeight(_ name: String, _ graph: EditableGraph, rank: ClosedRange<Int>) -> Result<Tensor, Skip> {
        guard let tensor = try? graph.constant(name) else { return .failure(Skip("its weight '\(name)' is computed, not a constant")) }
        guard tensor.elementType == .float else { return .failure(Skip("its weight is \(tensor.elementType), not float32")) }
        guard rank.contains(tensor.rank) else { return .failure(Skip("its weight has shape \(tensor.shape)")) }
        guard tensor.count >= Self.minimumWeightElements else {
            return .failure(Skip("its weight has \(tensor.count) elements, below the \(Self.minimumWeightElements) worth quantizing"))
        }
        return .success(tensor)
    }

    private mutating func planMatMul(_ index: Int, _ node: EditableGraph.Node, _ graph: EditableGraph) -> Result<Void, Skip> {
        guard node.inputs.count == 2, node.outputs.count == 1 else { return .failure(Skip("it has \(node.inputs.count) inputs")) }
        if (try? graph.constant(node.inputs[0])) != nil { return .failure(Skip("its first operand is a constant")) }
        return constantWeight(node.inputs[1], graph, rank: 2...2).map { weight in
            let (k, n) = (weight.shape[0], weight.shape[1])
            products[index] = Product(
                node: index, activation: node.inputs[0], weights: ChannelQuantizedWeights(weight.floatValues(), channels: n, inner: 1),
                k: k, n: n, bias: nil, output: node.outputs[0])
        }
    }

    private mutating func planGemm(_ index: Int, _ node: EditableGraph.Node, _ graph: EditableGraph) -> Result<Void, Skip> {
        guard (2...3).contains(node.inputs.count), node.outputs.count == 1 else { return .failure(Skip("it has \(node.inputs.count) inputs")) }
        guard (node.attributes["transA"]?.int ?? 0) == 0 else { return .failure(Skip("it transposes its first operand (transA)")) }
        if (try? graph.constant(node.inputs[0])) != nil { return .failure(Skip("its first operand is a constant")) }
        let alpha = node.attributes["alpha"].map(\.float) ?? 1
        let beta = node.attributes["beta"].map(\.float) ?? 1
        let transposed = (node.attributes["transB"]?.int ?? 0) != 0
        var bias: Product.Bias?
        if node.inputs.count == 3, !node.inputs[2].isEmpty {
            if let c = try? graph.constant(node.inputs[2]) {
                guard let scaled = try? Tensor(shape: c.shape, values: c.floatValues().map { $0 * beta }) else {
                    return .failure(Skip("its bias cannot be scaled"))
                }
                bias = .constant(scaled)
            } else if beta == 1 {
                bias = .value(node.inputs[2])
            } else {
                return .failure(Skip("its bias is computed and scaled by beta \(beta)"))
            }
        }
        return constantWeight(node.inputs[1], graph, rank: 2...2).map { weight in
            let values = weight.floatValues()
            let (rows, columns) = (weight.shape[0], weight.shape[1])
            let (k, n) = transposed ? (columns, rows) : (rows, columns)
            let laidOut = transposed ? (0..<(k * n)).map { values[($0 % n) * columns + $0 / n] } : values
            let scaled = alpha == 1 ? laidOut : laidOut.map { $0 * alpha }
            products[index] = Product(
                node: index, activation: node.inputs[0], weights: ChannelQuantizedWeights(scaled, channels: n, inner: 1), k: k, n: n,
                bias: bias, output: node.outputs[0])
        }
    }

    private mutating func planConv(_ index: Int, _ node: EditableGraph.Node, _ graph: EditableGraph, _ consumers: Consumers) -> Result<Void, Skip> {
        guard (2...3).contains(node.inputs.count), node.outputs.count == 1 else { return .failure(Skip("it has \(node.inputs.count) inputs")) }
        let group = node.attributes["group"]?.int ?? 1
        guard group == 1 else {
            return .failure(Skip("grouped convolution (group \(group)): the integer kernel is slower than float there"))
        }
        if (try? graph.constant(node.inputs[0])) != nil { return .failure(Skip("its input is a constant")) }
        let weight: Tensor
        switch constantWeight(node.inputs[1], graph, rank: 3...5) {
        case .success(let tensor): weight = tensor
        case .failure(let skip): return .failure(skip)
        }
        let channels = weight.shape[0]
        var bias: [Float]?
        if node.inputs.count == 3, !node.inputs[2].isEmpty {
            guard let b = try? graph.constant(node.inputs[2]), b.elementType == .float, b.count == channels else {
                return .failure(Skip("its bias is not a constant of \(channels) floats"))
            }
            bias = b.floatValues()
        }
        var values = weight.floatValues()
        let inner = weight.count / max(channels, 1)
        var output = node.outputs[0]
        var absorbed: [Int] = []
        if let (next, folded) = Self.foldedNormalization(after: output, consumers, graph, channels: channels) {
            for (index, value) in values.enumerated() { values[index] = value * folded.scale[index / inner] }
            bias = (0..<channels).map { ((bias?[$0] ?? 0) * folded.scale[$0]) + folded.shift[$0] }
            output = graph.nodes[next].outputs[0]
            absorbed.append(next)
        }
        if let next = consumers.only(output, graph), graph.nodes[next].opType == "Relu", graph.nodes[next].domain == "",
            graph.nodes[next].outputs.count == 1
        {
            output = graph.nodes[next].outputs[0]
            absorbed.append(next)
        }
        convolutions[index] = Convolution(
            node: index, input: node.inputs[0], weights: ChannelQuantizedWeights(values, channels: channels, inner: inner),
            weightShape: weight.shape, bias: bias, output: output, absorbed: absorbed)
        return .success(())
    }

    /// A BatchNormalization (inference form, constant parameters) that alone reads `value`, as a per-channel
    /// `scale * x + shift`.
    private static func foldedNormalization(
        after value: String, _ consumers: Consumers, _ graph: EditableGraph, channels: Int
    ) -> (Int, (scale: [Float], shift: [Float]))? {
        guard let next = consumers.only(value, graph) else { return nil }
        let node = graph.nodes[next]
        // Inference form only: `training_mode` 1 (opset 14) normalizes by the batch's own statistics.
        guard node.opType == "BatchNormalization", node.domain == "", node.inputs.count == 5, node.outputs.count == 1,
            node.inputs[0] == value, (node.attributes["training_mode"]?.int ?? 0) == 0
        else { return nil }
        let parameters = node.inputs[1...].compactMap { try? graph.constant($0) }.filter { $0.elementType == .float && $0.count == channels }
        guard parameters.count == 4 else { return nil }
        let folded = OperatorFusion.affine(
            gamma: parameters[0].floatValues(), beta: parameters[1].floatValues(), mean: parameters[2].floatValues(),
            variance: parameters[3].floatValues(), epsilon: node.attributes["epsilon"].map(\.float) ?? 1e-5)
        return (next, folded)
    }
}

/// Who reads each value of the main graph.
struct Consumers {
    private let readers: [String: [Int]]
    private let graphOutputs: Set<String>

    init(_ graph: EditableGraph) {
        var readers: [String: [Int]] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty { readers[input, default: []].append(index) }
        }
        self.readers = readers
        graphOutputs = Set(graph.outputs.map(\.name))
    }

    func of(_ value: String) -> [Int] { readers[value] ?? [] }

    func isGraphOutput(_ value: String) -> Bool { graphOutputs.contains(value) }

    /// The one node that reads `value`, when nothing else does (no other node, not a graph output, and no
    /// subgraph that might read it by name).
    func only(_ value: String, _ graph: EditableGraph) -> Int? {
        guard !graphOutputs.contains(value), let readers = readers[value], readers.count == 1 else { return nil }
        guard !graph.mayBeReadBySubgraph(value) else { return nil }
        return readers[0]
    }
}

extension EditableGraph.Node {
    var hasSubgraphs: Bool { attributes.values.contains { $0.graph != nil || !$0.graphs.isEmpty } }

    var displayName: String { name.isEmpty ? (outputs.first ?? opType) : name }
}
