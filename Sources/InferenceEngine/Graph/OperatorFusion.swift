/// Fusion at load: a node that only transforms the output of the step just before it, and whose
/// input nobody else reads, runs inside that step. Today: BatchNormalization (with constant
/// statistics) and the pointwise activations of mobile vision nets after a float32 Conv, which
/// is what exported PaddlePaddle and PyTorch models are full of.
enum OperatorFusion {
    /// The operator that does `previous` and then `node`, or nil when they cannot be fused.
    /// `constant` looks up a value known at load.
    static func fuse(_ node: NodeProto, attributes: NodeAttributes, opset: Int, after previous: any Operator,
                     constant: (String) -> Tensor?) throws(EngineError) -> (any Operator)? {
        guard var conv = previous as? ConvOperator, node.domain.isEmpty || node.domain == "ai.onnx" else { return nil }
        var epilogue = conv.epilogue ?? ConvEpilogue()
        // An activation ends the chain: a later BatchNormalization would have to come before it.
        guard epilogue.activation == nil else { return nil }
        if node.opType == "BatchNormalization" {
            guard epilogue.scale == nil, let affine = try batchNormalization(node, attributes: attributes, constant: constant) else {
                return nil
            }
            (epilogue.scale, epilogue.shift) = affine
        } else if let activation = try activation(node, attributes: attributes, opset: opset, constant: constant) {
            epilogue.activation = activation
        } else {
            return nil
        }
        conv.epilogue = epilogue
        return conv
    }

    /// Per-channel scale and shift of an inference-mode BatchNormalization whose statistics are
    /// constants, computed in double precision as the operator itself does.
    private static func batchNormalization(_ node: NodeProto, attributes: NodeAttributes,
                                           constant: (String) -> Tensor?) throws(EngineError) -> ([Float], [Float])? {
        guard node.inputs.count == 5, try attributes.int("training_mode", default: 0) == 0,
              node.outputs.dropFirst().allSatisfy(\.isEmpty) else { return nil }
        let parameters = node.inputs[1...].map { constant($0) }
        guard parameters.allSatisfy({ $0?.elementType == .float && $0?.rank == 1 }) else { return nil }
        let values = parameters.map { $0?.floatValues() ?? [] }
        let channels = values[0].count
        guard channels > 0, values.allSatisfy({ $0.count == channels }) else { return nil }
        let epsilon = Double(try attributes.float("epsilon", default: 1e-5))
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            let multiplier = Double(values[0][c]) / (Double(values[3][c]) + epsilon).squareRoot()
            scale[c] = Float(multiplier)
            shift[c] = Float(Double(values[1][c]) - Double(values[2][c]) * multiplier)
        }
        return (scale, shift)
    }

    private static func activation(_ node: NodeProto, attributes: NodeAttributes, opset: Int,
                                   constant: (String) -> Tensor?) throws(EngineError) -> ConvEpilogue.Activation? {
        switch node.opType {
        case "Relu": return .relu
        case "Sigmoid": return .sigmoid
        case "HardSwish": return .hardSwish
        case "LeakyRelu": return .leakyRelu(alpha: try attributes.float("alpha", default: 0.01))
        case "HardSigmoid":
            return .hardSigmoid(alpha: try attributes.float("alpha", default: 0.2), beta: try attributes.float("beta", default: 0.5))
        case "Clip":
            if opset < 11 {
                return .clip(low: try attributes.float("min", default: -.greatestFiniteMagnitude),
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
