/// Rewrites a float ONNX model into an int8 one that any ONNX runtime runs: standard operators only
/// (`DynamicQuantizeLinear`, `MatMulInteger`, `QuantizeLinear`, `QLinearConv`, `DequantizeLinear`), so onnxruntime
/// loads the file as well as this engine. What is rewritten and why anything is not: `QuantizationPlan`.
///
/// Consecutive quantized convolutions pass uint8 values between them: a value is quantized once, with the parameters
/// its calibrated range gives, whoever reads it, and dequantized only where a float node or the graph's output reads it.
public enum ModelQuantizer {
    /// Operators that mean a model is already quantized.
    static let quantizedOperators: Set<String> = [
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul", "MatMulInteger", "ConvInteger"
    ]

    /// `model`, rewritten; `calibration` holds input samples (by input name) for the convolutions' ranges;
    /// nodes named in `keepingFloat` stay float.
    public static func quantize(_ model: [UInt8], calibration: [[String: Tensor]], keepingFloat: Set<String> = []) throws -> QuantizedModel {
        var graph = try EditableGraph(bytes: model)
        let opset = graph.opsets[""] ?? 1
        guard opset >= 11 else {
            throw QuantizationRefusal("the model imports ai.onnx opset \(opset); the int8 rewrite needs opset 11 or later (DynamicQuantizeLinear)")
        }
        if let quantized = graph.nodes.first(where: { $0.domain == "" && quantizedOperators.contains($0.opType) }) {
            throw QuantizationRefusal("the model is already quantized: it has a \(quantized.opType) node ('\(quantized.displayName)')")
        }
        let plan = QuantizationPlan(graph, keepingFloat: keepingFloat)
        guard !plan.products.isEmpty || !plan.convolutions.isEmpty else {
            let reasons = plan.skipped.prefix(3).map { "\($0.op) '\($0.name)': \($0.detail)" }
            throw QuantizationRefusal(
                "nothing to quantize: no MatMul, Gemm or Conv with constant float weights"
                    + (reasons.isEmpty ? "" : " (" + reasons.joined(separator: "; ") + (plan.skipped.count > 3 ? "; …" : "") + ")"))
        }
        var ranges: [String: ValueRange] = [:]
        if !plan.convolutions.isEmpty {
            guard !calibration.isEmpty else {
                throw QuantizationRefusal(
                    "the model's \(plan.convolutions.count) convolution(s) need calibration inputs to choose their int8 ranges; give sample inputs (--calibration DIR or --self-test DIR)"
                )
            }
            let observed = Set(plan.convolutions.values.flatMap { [$0.input, $0.output] })
            ranges = try Calibration.ranges(of: observed, in: graph, samples: calibration)
        }
        var rewrite = Rewrite(graph: graph, plan: plan, ranges: ranges)
        graph.nodes = rewrite.nodes()
        graph.add(initializers: rewrite.initializers)
        graph.removeUnused()
        let bytes = graph.serialized()
        let operators = Set(graph.nodes.filter { $0.original == nil }.map(\.opType))
        let original = rewrite.source.nodes
        let products = plan.products.values.sorted { $0.node < $1.node }.map {
            QuantizationReport.Node(
                name: original[$0.node].displayName, op: original[$0.node].opType, detail: "int8 weights per column, activations quantized at run time")
        }
        let convolutions = plan.convolutions.values.sorted { $0.node < $1.node }.map { convolution in
            let folded = convolution.absorbed.map { original[$0].opType }.joined(separator: " and ")
            return QuantizationReport.Node(
                name: original[convolution.node].displayName, op: "Conv",
                detail: "QLinearConv, int8 weights per channel" + (folded.isEmpty ? "" : ", \(folded) folded in"))
        }
        return QuantizedModel(
            bytes: bytes, operators: operators.sorted(),
            report: QuantizationReport(
                quantized: products + convolutions, skipped: plan.skipped, calibrationSamples: plan.convolutions.isEmpty ? 0 : calibration.count))
    }
}

/// A model the quantizer cannot rewrite, and why, in words for the person who pushed it.
public struct QuantizationRefusal: Error, CustomStringConvertible, Sendable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The rewritten model and what the rewrite did.
public struct QuantizedModel: Sendable {
    public let bytes: [UInt8]
    /// ONNX operators (ai.onnx) the rewrite wrote, which a device's engine must support to run the file.
    public let operators: [String]
    public let report: QuantizationReport
}

/// Which nodes became int8 and which stayed float (with the reason).
public struct QuantizationReport: Sendable, Codable, Equatable {
    public struct Node: Sendable, Codable, Equatable {
        public let name: String
        public let op: String
        public let detail: String
    }

    public let quantized: [Node]
    public let skipped: [Node]
    /// Samples the activation ranges were calibrated on (0 when no convolution needed them).
    public let calibrationSamples: Int
}

/// The node list of a rewritten graph and the initializers it adds.
private struct Rewrite {
    /// The graph as it was: its nodes, bytes, opset and the names its subgraphs read.
    let source: EditableGraph
    let plan: QuantizationPlan
    let ranges: [String: ValueRange]
    let consumers: Consumers
    private(set) var initializers: [(entry: EditableGraph.Entry, tensor: Tensor)] = []
    private var names: Set<String>
    /// A value's uint8 form: produced by a quantized convolution or by one QuantizeLinear, whoever reads it.
    private var staticForms: [String: (value: String, scale: String, zeroPoint: String)] = [:]
    /// A value's DynamicQuantizeLinear outputs, shared by the products that read it.
    private var dynamicForms: [String: (value: String, scale: String, zeroPoint: String)] = [:]

    init(graph: EditableGraph, plan: QuantizationPlan, ranges: [String: ValueRange]) {
        source = graph
        self.plan = plan
        self.ranges = ranges
        consumers = Consumers(graph)
        var names = Set(graph.initializers.map(\.name) + graph.inputs.map(\.name) + graph.outputs.map(\.name) + graph.valueInfos.map(\.name))
        names.formUnion(graph.subgraphNames)
        for node in graph.nodes {
            names.formUnion(node.inputs)
            names.formUnion(node.outputs)
            names.insert(node.name)
        }
        self.names = names
    }

    mutating func nodes() -> [EditableGraph.Node] {
        let absorbed = Set(plan.convolutions.values.flatMap(\.absorbed))
        var result: [EditableGraph.Node] = []
        for (index, node) in source.nodes.enumerated() where !absorbed.contains(index) {
            if let product = plan.products[index] {
                result += rewrite(product, node)
            } else if let convolution = plan.convolutions[index] {
                result += rewrite(convolution, node)
            } else {
                result.append(node)
            }
        }
        return result
    }

    /// A name no value or node of the graph has yet.
    private mutating func fresh(_ base: String) -> String {
        var name = base
        var counter = 1
        while names.contains(name) {
            counter += 1
            name = "\(base)_\(counter)"
        }
        names.insert(name)
        return name
    }

    private mutating func constant(_ tensor: Tensor, _ base: String) -> String {
        let name = fresh(base)
        initializers.append((EditableGraph.Entry(initializer: tensor, name: name), tensor))
        return name
    }

    private mutating func rewrite(_ product: QuantizationPlan.Product, _ node: EditableGraph.Node) -> [EditableGraph.Node] {
        var nodes: [EditableGraph.Node] = []
        let base = node.outputs[0]
        let activation: (value: String, scale: String, zeroPoint: String)
        if let known = dynamicForms[product.activation] {
            activation = known
        } else {
            activation = (fresh("\(product.activation)_quantized"), fresh("\(product.activation)_scale"), fresh("\(product.activation)_zero_point"))
            nodes.append(
                .init(
                    op: "DynamicQuantizeLinear", name: fresh("\(product.activation)_DynamicQuantizeLinear"), inputs: [product.activation],
                    outputs: [activation.value, activation.scale, activation.zeroPoint]))
            dynamicForms[product.activation] = activation
        }
        let weights = constant(Self.tensor(product.weights.values, [product.k, product.n]), "\(base)_weight_int8")
        let weightScales = constant(Self.tensor(product.weights.scales, [product.n]), "\(base)_weight_scale")
        let sums = fresh("\(base)_int32")
        let scales = fresh("\(base)_scale")
        let scaled = product.bias == nil ? product.output : fresh("\(base)_unbiased")
        nodes += [
            .init(
                op: "MatMulInteger", name: fresh("\(base)_MatMulInteger"), inputs: [activation.value, weights, activation.zeroPoint],
                outputs: [sums]),
            .init(op: "Mul", name: fresh("\(base)_scales"), inputs: [activation.scale, weightScales], outputs: [scales])
        ]
        if (source.opsets[""] ?? 1) >= 13 {
            // One step from int32 sums to floats: DequantizeLinear with a scale per column (per-axis since opset 13).
            nodes.append(
                .init(
                    op: "DequantizeLinear", name: fresh("\(base)_rescale"), inputs: [sums, scales], outputs: [scaled],
                    attributes: [ONNXAttribute.int("axis", -1)]))
        } else {
            let sumsAsFloat = fresh("\(base)_int32_float")
            nodes += [
                .init(op: "Cast", name: fresh("\(base)_Cast"), inputs: [sums], outputs: [sumsAsFloat], attributes: [ONNXAttribute.int("to", 1)]),
                .init(op: "Mul", name: fresh("\(base)_rescale"), inputs: [sumsAsFloat, scales], outputs: [scaled])
            ]
        }
        switch product.bias {
        case .none: break
        case .constant(let tensor):
            let bias = constant(tensor, "\(base)_bias")
            nodes.append(.init(op: "Add", name: fresh("\(base)_bias_Add"), inputs: [scaled, bias], outputs: [product.output]))
        case .value(let name):
            nodes.append(.init(op: "Add", name: fresh("\(base)_bias_Add"), inputs: [scaled, name], outputs: [product.output]))
        }
        return nodes
    }

    private mutating func rewrite(_ convolution: QuantizationPlan.Convolution, _ node: EditableGraph.Node) -> [EditableGraph.Node] {
        var nodes: [EditableGraph.Node] = []
        let input = staticForm(of: convolution.input, emitting: &nodes)
        let base = convolution.output
        let output = ActivationQuantization(ranges[convolution.output] ?? ValueRange())
        let channels = convolution.weightShape[0]
        let weights = constant(Self.tensor(convolution.weights.values, convolution.weightShape), "\(base)_weight_int8")
        let weightScales = constant(Self.tensor(convolution.weights.scales, [channels]), "\(base)_weight_scale")
        let weightZeros = constant(Self.tensor([Int8](repeating: 0, count: channels), [channels]), "\(base)_weight_zero_point")
        let outputScale = constant(Self.tensor([output.scale], []), "\(base)_scale")
        let outputZero = constant(Self.tensor([output.zeroPoint], []), "\(base)_zero_point")
        var inputs = [input.value, input.scale, input.zeroPoint, weights, weightScales, weightZeros, outputScale, outputZero]
        if let bias = convolution.bias {
            let inputScale = ActivationQuantization(ranges[convolution.input] ?? ValueRange()).scale
            let sums = bias.enumerated().map { channel, value in
                let q = (Double(value) / (Double(inputScale) * Double(convolution.weights.scales[channel]))).rounded()
                return Int32(q.isFinite ? max(Double(Int32.min), min(Double(Int32.max), q)) : 0)
            }
            inputs.append(constant(Self.tensor(sums, [channels]), "\(base)_bias_int32"))
        }
        let quantized = fresh("\(base)_quantized")
        nodes.append(
            .init(
                op: "QLinearConv", name: fresh("\(node.displayName)_QLinearConv"), inputs: inputs, outputs: [quantized],
                copying: node.attributeFields.map { Array(source.original[$0]) }))
        staticForms[convolution.output] = (quantized, outputScale, outputZero)
        let readInFloat =
            consumers.isGraphOutput(convolution.output) || source.mayBeReadBySubgraph(convolution.output)
            || consumers.of(convolution.output).contains { reader in
                guard let next = plan.convolutions[reader] else { return true }
                return next.input != convolution.output || source.nodes[reader].inputs.dropFirst().contains(convolution.output)
            }
        if readInFloat {
            nodes.append(
                .init(
                    op: "DequantizeLinear", name: fresh("\(base)_DequantizeLinear"), inputs: [quantized, outputScale, outputZero],
                    outputs: [convolution.output]))
        }
        return nodes
    }

    /// `value` as uint8, quantized here (once) unless a quantized convolution already produces it.
    private mutating func staticForm(of value: String, emitting nodes: inout [EditableGraph.Node]) -> (value: String, scale: String, zeroPoint: String) {
        if let known = staticForms[value] { return known }
        let parameters = ActivationQuantization(ranges[value] ?? ValueRange())
        let form = (
            fresh("\(value)_quantized"), constant(Self.tensor([parameters.scale], []), "\(value)_scale"),
            constant(Self.tensor([parameters.zeroPoint], []), "\(value)_zero_point")
        )
        nodes.append(.init(op: "QuantizeLinear", name: fresh("\(value)_QuantizeLinear"), inputs: [value, form.1, form.2], outputs: [form.0]))
        staticForms[value] = form
        return form
    }

    private static func tensor<T: TensorElement>(_ values: [T], _ shape: [Int]) -> Tensor {
        // The shapes come from the values' own counts, so this cannot fail; a zero tensor keeps it total.
        (try? Tensor(shape: shape, values: values)) ?? Tensor(zeros: T.elementType, shape: shape)
    }
}
