/// InstanceNormalization and GroupNormalization: normalize each sample over groups of channels
/// (one channel per group for InstanceNormalization), then scale and shift per channel.
/// GroupNormalization before opset 21 took its scale and bias per group rather than per channel.
struct GroupNormalizationOperator: Operator {
    let name: String
    /// nil for InstanceNormalization: one group per channel.
    let groups: Int?
    let perGroupParameters: Bool
    let epsilon: Double

    init(_ context: OperatorBuildContext, instance: Bool) throws {
        name = context.node.opType
        epsilon = Double(try context.attributes.float("epsilon", default: 1e-5))
        perGroupParameters = !instance && context.opset < 21
        if instance {
            groups = nil
        } else {
            guard let groups = try context.attributes.int("num_groups"), groups > 0 else {
                throw context.invalid("num_groups must be a positive integer")
            }
            self.groups = groups
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try NormalizationParameters.data(inputs, minimumRank: 2, op: name)
        let channels = x.shape[1]
        let groups = self.groups ?? channels
        guard channels % max(groups, 1) == 0 else {
            throw OperatorFailure("\(name): \(channels) channels do not split into \(groups) groups")
        }
        let channelsPerGroup = groups == 0 ? 0 : channels / groups
        let scaleInput = try inputs.required(1, "scale")
        let biasInput = try inputs.required(2, "bias")
        // Opset 18-20 files hold one value per group; some exporters wrote one per channel anyway.
        let perGroup = perGroupParameters && scaleInput.count == groups
        let parameterCount = perGroup ? groups : channels
        var scale = try NormalizationParameters.vector(scaleInput, count: parameterCount, "scale")
        var bias = try NormalizationParameters.vector(biasInput, count: parameterCount, "bias")
        if perGroup {
            scale = (0..<channels).map { scale[$0 / channelsPerGroup] }
            bias = (0..<channels).map { bias[$0 / channelsPerGroup] }
        }
        let spatial = x.shape[2...].reduce(1, *)
        return try FloatWidening.run([x], narrowTo: x.elementType, context: context) { widened in
            let data = try widened.required(0)
            return [
                try NormalizationKernels.groups(
                    data, channels: channels, channelsPerGroup: channelsPerGroup, spatial: spatial, epsilon: epsilon,
                    scale: NormalizationParameters.tensor(scale, like: data, context: context),
                    bias: NormalizationParameters.tensor(bias, like: data, context: context), context: context)
            ]
        }
    }
}
