/// LayerNormalization and RMSNormalization: normalize over the trailing axes from `axis` on, with
/// a scale (and for LayerNormalization an optional bias) of the normalized shape. Statistics are
/// computed in float32 for float32 and 16-bit data and in float64 for float64 data.
struct LayerNormalizationOperator: Operator {
    let name: String
    /// False for RMSNormalization, which divides by the root mean square without centering.
    let centered: Bool
    let axis: Int
    let epsilon: Double

    init(_ context: OperatorBuildContext, centered: Bool) throws {
        name = context.node.opType
        self.centered = centered
        axis = try context.attributes.int("axis", default: -1)
        epsilon = Double(try context.attributes.float("epsilon", default: 1e-5))
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try NormalizationParameters.data(inputs, minimumRank: 1, op: name)
        let resolved = try normalizedAxis(axis, rank: x.rank)
        let normalizedShape = Array(x.shape[resolved...])
        let statisticsShape = Array(x.shape[..<resolved]) + [Int](repeating: 1, count: x.rank - resolved)
        let rows = x.shape[..<resolved].reduce(1, *)
        let parameters: [Tensor?] = [x, try inputs.required(1, "scale"), centered ? inputs.optional(2) : nil]
        // Y takes the data's type; Mean and InvStdDev stay in the float32 the statistics were computed in.
        return try FloatWidening.run(parameters, narrowTo: x.elementType, narrowing: 1, context: context) { widened in
            let data = try widened.required(0)
            let scale = try NormalizationParameters.broadcast(widened.required(1), to: normalizedShape, like: data, "scale", context: context)
            let bias = try widened.optional(2).map {
                try NormalizationParameters.broadcast($0, to: normalizedShape, like: data, "bias", context: context)
            }
            let result = try NormalizationKernels.rows(
                data, rows: rows, centered: centered, epsilon: epsilon, weight: scale, bias: bias,
                statisticsShape: statisticsShape, context: context)
            return centered ? [result.y, result.mean, result.inverseDeviation] : [result.y]
        }
    }
}
