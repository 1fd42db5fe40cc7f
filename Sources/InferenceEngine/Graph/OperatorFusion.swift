/// Fusion at load: a node that only transforms (with constants) the output of an earlier step, and
/// whose input nobody else reads, runs inside that step. Today: BatchNormalization (with constant
/// statistics) and the pointwise activations of mobile vision nets after a float32 Conv, which
/// is what exported PaddlePaddle and PyTorch models are full of; the same activations after a
/// DequantizeLinear (a quantized Conv's output, as the int8 rewrite writes it); a bias after MatMul.
enum OperatorFusion {
    /// The operator that does `previous` and then `node`, or nil when they cannot be fused.
    /// `constant` looks up a value known at load; `inputRank` is the static rank of the value
    /// `node` transforms (the Conv output), when known.
    static func fuse(
        _ node: NodeProto, attributes: NodeAttributes, opset: Int, after previous: any Operator,
        inputRank: Int?, constant: (ValueID) -> Tensor?
    ) throws(EngineError) -> (any Operator)? {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else { return nil }
        if var dequantize = previous as? DequantizeLinearOperator {
            // DequantizeLinear (to float32) + an activation: the int8 rewrite's output of a quantized Conv.
            guard dequantize.activation == nil, dequantize.outputType ?? .float == .float,
                let activation = try activation(node, attributes: attributes, opset: opset, constant: constant)
            else { return nil }
            dequantize.activation = activation
            return dequantize
        }
        if var matmul = previous as? MatMulOperator {
            // MatMul + Add(B): B float32, one value per column, of no higher rank than the product.
            guard node.opType == "Add", matmul.bias == nil, let tensor = node.inputs.last.flatMap(constant),
                tensor.elementType == .float, let columns = tensor.shape.last, columns > 1, tensor.count == columns,
                tensor.rank == 1 || tensor.rank <= (inputRank ?? 1)
            else { return nil }
            matmul.bias = tensor.floatValues()
            return matmul
        }
        guard var conv = previous as? ConvOperator else { return nil }
        var epilogue = conv.epilogue ?? ConvEpilogue()
        // An activation ends the chain: a later BatchNormalization would have to come before it.
        guard epilogue.activation == nil else { return nil }
        if node.opType == "BatchNormalization" {
            guard epilogue.scale == nil, let affine = try batchNormalization(node, attributes: attributes, constant: constant),
                epilogue.shift == nil || epilogue.shift?.count == affine.0.count
            else {
                return nil
            }
            // A bias added before: (y + b) * s + t = y * s + (b * s + t).
            let bias = epilogue.shift ?? [Float](repeating: 0, count: affine.0.count)
            epilogue.scale = affine.0
            epilogue.shift = (0..<bias.count).map { bias[$0] * affine.0[$0] + affine.1[$0] }
        } else if node.opType == "Add" {
            // A bias exported as its own node: Add(conv, B) with B constant, one value per channel
            // of a 2-D Conv's [N, C, H, W] output (other ranks would broadcast B differently).
            let spatialAxes = conv.attributes.kernelShape?.count ?? conv.attributes.strides?.count ?? inputRank.map { $0 - 2 }
            guard spatialAxes == 2, let bias = channelVector(node.inputs.last.flatMap(constant)),
                epilogue.shift == nil || epilogue.shift?.count == bias.count
            else { return nil }
            epilogue.shift = zip(epilogue.shift ?? [Float](repeating: 0, count: bias.count), bias).map { $0 + $1 }
        } else if let activation = try activation(node, attributes: attributes, opset: opset, constant: constant) {
            epilogue.activation = activation
        } else {
            return nil
        }
        conv.epilogue = epilogue
        return conv
    }

    /// The values of a float32 constant shaped [1, C, 1, 1] (or [C, 1, 1]): one per channel of a
    /// 2-D Conv output, broadcast over the rest.
    private static func channelVector(_ tensor: Tensor?) -> [Float]? {
        guard let tensor, tensor.elementType == .float else { return nil }
        let shape = tensor.shape
        // One value would broadcast over every channel, not give one per channel: left unfused.
        guard shape == [1, tensor.count, 1, 1] || shape == [tensor.count, 1, 1], tensor.count > 1 else { return nil }
        return tensor.floatValues()
    }

    /// `previous` (a float32 Conv) with `activation` as the last stage of its epilogue, or nil when
    /// it is not a Conv or already ends in an activation.
    static func fuse(_ activation: ConvEpilogue.Activation, after previous: any Operator) -> (any Operator)? {
        if var dequantize = previous as? DequantizeLinearOperator {
            guard dequantize.activation == nil, dequantize.outputType ?? .float == .float else { return nil }
            dequantize.activation = activation
            return dequantize
        }
        guard var conv = previous as? ConvOperator else { return nil }
        var epilogue = conv.epilogue ?? ConvEpilogue()
        guard epilogue.activation == nil else { return nil }
        epilogue.activation = activation
        conv.epilogue = epilogue
        return conv
    }

    /// The first two nodes that read a value (by node index), all the HardSwish look-ahead needs.
    /// Kept as two 32-bit indices (-1: none), eight bytes per value of the model.
    struct FirstReaders {
        private var nodes: (Int32, Int32) = (-1, -1)

        var first: Int? { nodes.0 < 0 ? nil : Int(nodes.0) }
        var second: Int? { nodes.1 < 0 ? nil : Int(nodes.1) }

        mutating func add(_ node: Int) {
            if nodes.0 < 0 { nodes.0 = Int32(node) } else if nodes.1 < 0 { nodes.1 = Int32(node) }
        }
    }

    /// HardSwish as exporters write it when the opset has no HardSwish node (PaddlePaddle's
    /// PP-OCR models: 27 of them in rec alone): `Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6)`.
    /// Four passes over memory become a few instructions in the Conv epilogue that made `x`.
    struct ActivationChain {
        /// The activation the nodes compute together.
        let activation: ConvEpilogue.Activation
        /// The value the chain starts from, read by nothing else.
        let input: ValueID
        /// Node indices of the chain (for HardSwish: the Add, Clip, Mul and Div or Mul by 1/6).
        let nodes: [Int]
        /// The chain's result.
        let output: ValueID
    }

    /// The HardSwish chain whose Add is node `add`, when every intermediate value is read only by
    /// the next node of the chain and `x` only by the chain; nil otherwise.
    static func hardSwishChain(
        at add: Int, nodes: [NodeProto], opset: Int, consumers: ValueTable<FirstReaders>, readers: ValueTable<Int32>,
        constant: (ValueID) -> Tensor?, file: ModelBytes
    ) -> ActivationChain? {
        // A scalar or a single-element vector: anything of higher rank would broadcast x's shape up.
        func scalar(_ name: ValueID) -> Float? {
            guard let tensor = constant(name), tensor.elementType == .float, tensor.count == 1, tensor.rank <= 1 else { return nil }
            return tensor.floatValues()[0]
        }
        /// The single node reading `value`, when it has that op type and nobody else reads it.
        func onlyReader(of value: ValueID, _ opType: String) -> Int? {
            guard readers[value] == 1, let reader = consumers[value].first, nodes[reader].opType == opType,
                nodes[reader].domain.isEmpty || nodes[reader].domain == "ai.onnx"
            else { return nil }
            return reader
        }
        let addNode = nodes[add]
        guard addNode.opType == "Add", addNode.domain.isEmpty || addNode.domain == "ai.onnx", addNode.inputs.count == 2,
            let added = addNode.outputs.first
        else { return nil }
        let x: ValueID
        if scalar(addNode.inputs[1]) == 3 { x = addNode.inputs[0] } else if scalar(addNode.inputs[0]) == 3 { x = addNode.inputs[1] } else { return nil }
        guard let clip = onlyReader(of: added, "Clip"), nodes[clip].inputs.first == added, let clipped = nodes[clip].outputs.first else {
            return nil
        }
        let clipNode = nodes[clip]
        if opset < 11 {
            guard let decoded = try? clipNode.attributes(in: file) else { return nil }
            let attributes = NodeAttributes(decoded, nodeName: clipNode.opType)
            guard (try? attributes.float("min")) == 0, (try? attributes.float("max")) == 6 else { return nil }
        } else {
            guard clipNode.inputs.count == 3, scalar(clipNode.inputs[1]) == 0, scalar(clipNode.inputs[2]) == 6 else { return nil }
        }
        guard let mul = onlyReader(of: clipped, "Mul"), Set(nodes[mul].inputs) == [x, clipped], nodes[mul].inputs.count == 2,
            let product = nodes[mul].outputs.first, readers[product] == 1, let last = consumers[product].first
        else { return nil }
        let lastNode = nodes[last]
        guard lastNode.domain.isEmpty || lastNode.domain == "ai.onnx", lastNode.inputs.count == 2, lastNode.inputs[0] == product,
            (lastNode.opType == "Div" && scalar(lastNode.inputs[1]) == 6)
                || (lastNode.opType == "Mul" && scalar(lastNode.inputs[1]).map({ abs($0 - 1 / 6) < 1e-7 }) == true),
            let output = lastNode.outputs.first, !output.isEmpty
        else { return nil }
        // x feeds the Add and the Mul and nothing else (a graph output counts as a reader).
        guard readers[x] == 2, case let pair = consumers[x], Set([pair.first, pair.second]) == [add, mul] else { return nil }
        return ActivationChain(activation: .hardSwish, input: x, nodes: [add, clip, mul, last], output: output)
    }

    /// SiLU as PyTorch and most exporters write it: `Mul(x, Sigmoid(x))` (either order), starting
    /// at the Sigmoid node `sigmoid`, when `x` feeds only those two nodes.
    static func swishChain(
        at sigmoid: Int, nodes: [NodeProto], consumers: ValueTable<FirstReaders>,
        readers: ValueTable<Int32>
    ) -> ActivationChain? {
        let node = nodes[sigmoid]
        guard node.opType == "Sigmoid", node.domain.isEmpty || node.domain == "ai.onnx", node.inputs.count == 1,
            let x = node.inputs.first, let s = node.outputs.first, readers[s] == 1,
            let mul = consumers[s].first, nodes[mul].opType == "Mul", nodes[mul].domain.isEmpty || nodes[mul].domain == "ai.onnx",
            nodes[mul].inputs.count == 2, Set(nodes[mul].inputs) == [x, s], let output = nodes[mul].outputs.first, !output.isEmpty,
            readers[x] == 2, case let pair = consumers[x], Set([pair.first, pair.second]) == [sigmoid, mul]
        else { return nil }
        return ActivationChain(activation: .swish, input: x, nodes: [sigmoid, mul], output: output)
    }

    /// Per-channel scale and shift of an inference-mode BatchNormalization whose statistics are
    /// constants, computed in double precision as the operator itself does.
    private static func batchNormalization(
        _ node: NodeProto, attributes: NodeAttributes,
        constant: (ValueID) -> Tensor?
    ) throws(EngineError) -> ([Float], [Float])? {
        guard node.inputs.count == 5, try attributes.int("training_mode", default: 0) == 0,
            node.outputs.dropFirst().allSatisfy(\.isEmpty)
        else { return nil }
        let parameters = node.inputs[1...].map { constant($0) }
        guard parameters.allSatisfy({ $0?.elementType == .float && $0?.rank == 1 }) else { return nil }
        let values = parameters.map { $0?.floatValues() ?? [] }
        let channels = values[0].count
        guard channels > 0, values.allSatisfy({ $0.count == channels }) else { return nil }
        return affine(gamma: values[0], beta: values[1], mean: values[2], variance: values[3], epsilon: try attributes.float("epsilon", default: 1e-5))
    }

    /// Inference-mode BatchNormalization as `x * scale + shift` per channel, computed in Double: what a Conv before it
    /// absorbs, here at load and in the int8 rewrite's folding.
    static func affine(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float) -> (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: gamma.count)
        var shift = scale
        for c in gamma.indices {
            let multiplier = Double(gamma[c]) / (Double(variance[c]) + Double(epsilon)).squareRoot()
            scale[c] = Float(multiplier)
            shift[c] = Float(Double(beta[c]) - Double(mean[c]) * multiplier)
        }
        return (scale, shift)
    }

    private static func activation(
        _ node: NodeProto, attributes: NodeAttributes, opset: Int,
        constant: (ValueID) -> Tensor?
    ) throws(EngineError) -> ConvEpilogue.Activation? {
        switch node.opType {
        case "Relu": return .relu
        case "Sigmoid": return .sigmoid
        case "HardSwish": return .hardSwish
        case "LeakyRelu": return .leakyRelu(alpha: try attributes.float("alpha", default: 0.01))
        case "HardSigmoid":
            return .hardSigmoid(alpha: try attributes.float("alpha", default: 0.2), beta: try attributes.float("beta", default: 0.5))
        case "Clip":
            if opset < 11 {
                return .clip(
                    low: try attributes.float("min", default: -.greatestFiniteMagnitude),
                    high: try attributes.float("max", default: .greatestFiniteMagnitude))
            }
            func bound(_ position: Int, _ fallback: Float) -> Float?? {
                guard position < node.inputs.count, !node.inputs[position].isEmpty else { return .some(fallback) }
                guard let tensor = constant(node.inputs[position]), tensor.elementType == .float, tensor.count == 1 else { return nil }
                return .some(tensor.floatValues()[0])
            }
            guard let low = bound(1, -.greatestFiniteMagnitude), let high = bound(2, .greatestFiniteMagnitude) else { return nil }
            return .clip(low: low ?? -.greatestFiniteMagnitude, high: high ?? .greatestFiniteMagnitude)
        default:
            return nil
        }
    }
}
