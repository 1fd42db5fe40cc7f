/// MeanVarianceNormalization: (x - mean) / (standard deviation + 1e-9) with the statistics taken
/// over `axes` (default N, H, W: per channel). Walks the input with the reductions' row plan, so
/// any set of axes is one sequential pass per statistic.
struct MeanVarianceNormalizationOperator: Operator {
    let axes: [Int]

    init(_ context: OperatorBuildContext) throws {
        axes = try context.attributes.ints("axes") ?? [0, 2, 3]
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try NormalizationParameters.data(inputs, minimumRank: 0, op: "MeanVarianceNormalization")
        var reduced = [Bool](repeating: false, count: x.rank)
        for axis in axes {
            let resolved = try normalizedAxis(axis, rank: x.rank, "MeanVarianceNormalization axis")
            guard !reduced[resolved] else { throw OperatorFailure("MeanVarianceNormalization axis \(axis) is listed twice") }
            reduced[resolved] = true
        }
        let plan = ReductionPlan(shape: x.shape, reduced: reduced, keepDims: true)
        return try FloatWidening.run([x], narrowTo: x.elementType, context: context) { widened in
            let data = try widened.required(0)
            let y = try context.allocate(data.elementType, data.shape)
            let statistics = try context.allocate(data.elementType, [2, plan.outputCount])
            switch data.elementType {
            case .float: normalize(Float.self, data, y, plan, statistics)
            case .double: normalize(Double.self, data, y, plan, statistics)
            default: throw OperatorFailure("MeanVarianceNormalization needs floating-point data, got \(data.elementType)")
            }
            return [y]
        }
    }

    /// `statistics` is zeroed scratch for the means and spreads of the `plan.outputCount` groups.
    private func normalize<T: BinaryFloatingPoint>(
        _ type: T.Type, _ x: Tensor, _ y: Tensor, _ plan: ReductionPlan,
        _ statistics: Tensor
    ) {
        let source = x.pointer(as: T.self)
        let target = y.mutablePointer(as: T.self)
        let mean = statistics.mutablePointer(as: T.self)
        let spread = mean + plan.outputCount
        let count = T(plan.groupSize)
        plan.forEachRow { start, out, length, reducing in
            let row = source + start
            if reducing {
                var sum: T = 0
                for j in 0..<length { sum += row[j] }
                mean[out] += sum
            } else {
                for j in 0..<length { mean[out &+ j] += row[j] }
            }
        }
        for i in 0..<plan.outputCount { mean[i] /= count }
        plan.forEachRow { start, out, length, reducing in
            let row = source + start
            if reducing {
                let m = mean[out]
                var sum: T = 0
                for j in 0..<length { sum += (row[j] - m) * (row[j] - m) }
                spread[out] += sum
            } else {
                for j in 0..<length { spread[out &+ j] += (row[j] - mean[out &+ j]) * (row[j] - mean[out &+ j]) }
            }
        }
        // The reciprocal of (standard deviation + epsilon), so the last pass multiplies.
        for i in 0..<plan.outputCount { spread[i] = 1 / ((spread[i] / count).squareRoot() + T(1e-9)) }
        plan.forEachRow { start, out, length, reducing in
            let row = source + start
            let result = target + start
            if reducing {
                let m = mean[out]
                let s = spread[out]
                for j in 0..<length { result[j] = (row[j] - m) * s }
            } else {
                for j in 0..<length { result[j] = (row[j] - mean[out &+ j]) * spread[out &+ j] }
            }
        }
    }
}
