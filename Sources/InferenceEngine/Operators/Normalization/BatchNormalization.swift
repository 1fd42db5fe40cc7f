/// BatchNormalization in inference mode: each channel is normalized with the running mean and
/// variance given as inputs, folded at run time into one multiply-add per element.
struct BatchNormalizationOperator: Operator {
    let epsilon: Double

    init(_ context: OperatorBuildContext) throws {
        epsilon = Double(try context.attributes.float("epsilon", default: 1e-5))
        if try context.attributes.int("training_mode", default: 0) != 0 {
            throw context.unsupported("training_mode=1 (batch statistics and running-statistics outputs)")
        }
        if context.opset < 9, try context.attributes.int("spatial", default: 1) == 0 {
            throw context.unsupported("spatial=0 (per-element statistics)")
        }
        if context.node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw context.unsupported("training outputs (running mean and variance)")
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try NormalizationParameters.data(inputs, minimumRank: 2, op: "BatchNormalization")
        let channels = x.shape[1]
        let scale = try NormalizationParameters.vector(inputs.required(1, "scale"), count: channels, "scale")
        let bias = try NormalizationParameters.vector(inputs.required(2, "B"), count: channels, "B")
        let mean = try NormalizationParameters.vector(inputs.required(3, "input_mean"), count: channels, "input_mean")
        let variance = try NormalizationParameters.vector(inputs.required(4, "input_var"), count: channels, "input_var")
        var multiplier = [Double](repeating: 0, count: channels)
        var shift = multiplier
        for c in 0..<channels {
            multiplier[c] = scale[c] / (variance[c] + epsilon).squareRoot()
            shift[c] = bias[c] - mean[c] * multiplier[c]
        }
        return try FloatWidening.run([x], narrowTo: x.elementType, context: context) { widened in
            let data = try widened.required(0)
            return [
                try NormalizationKernels.channelAffine(
                    data, scale: NormalizationParameters.tensor(multiplier, like: data, context: context),
                    shift: NormalizationParameters.tensor(shift, like: data, context: context), context: context)
            ]
        }
    }
}
