/// NegativeLogLikelihoodLoss: `loss[n, d] = -input[n, target[n, d], d] * weight[target[n, d]]` over
/// an input of shape [N, C, d1, ..., dk] holding log-probabilities of C classes. The same kernel
/// finishes SoftmaxCrossEntropyLoss once it has the log-probabilities.
struct NegativeLogLikelihoodLossOperator: Operator {
    let attributes: ClassLossAttributes

    init(context: OperatorBuildContext) throws {
        attributes = try ClassLossAttributes(context: context)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let input = try inputs.required(0, "input")
        let target = try inputs.required(1, "target")
        let weight = inputs.optional(2)
        return try FloatWidening.run([input, weight], narrowTo: input.elementType, context: context) { widened in
            let input = try widened.required(0, "input")
            return [
                try NegativeLogLikelihood.loss(
                    logProbabilities: input, target: target, weight: widened.optional(1),
                    attributes, op: "NegativeLogLikelihoodLoss", context: context)
            ]
        }
    }
}

enum NegativeLogLikelihood {
    /// The reduced loss, in the element type of `logProbabilities` (float or double; narrower
    /// types are widened by the caller).
    static func loss(
        logProbabilities input: Tensor, target: Tensor, weight: Tensor?, _ attributes: ClassLossAttributes,
        op: String, context: ExecutionContext
    ) throws -> Tensor {
        let shape = input.shape
        guard shape.count >= 2 else { throw OperatorFailure("\(op) needs an input of shape [N, C, ...], got \(shape)") }
        let expectedTarget = [shape[0]] + shape[2...]
        guard target.shape == expectedTarget else {
            throw OperatorFailure("\(op) target shape \(target.shape) does not match input shape \(shape) (expected \(expectedTarget))")
        }
        let classes = shape[1]
        if let weight {
            guard weight.shape == [classes], weight.elementType == input.elementType else {
                throw OperatorFailure("\(op) weight must be a \(input.elementType) vector of \(classes) classes, got \(weight.elementType) \(weight.shape)")
            }
        }
        let targets = try target.intValues("\(op) target")
        for (position, value) in targets.enumerated() where value != attributes.ignoreIndex {
            guard value >= 0, value < classes else {
                throw OperatorFailure("\(op) target \(value) at flat position \(position) is not a class in 0..<\(classes) nor ignore_index")
            }
        }
        let problem = Problem(
            targets: targets, classes: classes, spatial: shape[2...].reduce(1, *),
            ignoreIndex: attributes.ignoreIndex, reduction: attributes.reduction)
        let outputShape = attributes.reduction == .none ? target.shape : []
        let output = try context.allocate(input.elementType, outputShape)
        switch input.elementType {
        case .float: problem.run(Float.self, input, weight, output)
        case .double: problem.run(Double.self, input, weight, output)
        default: throw OperatorFailure("\(op) needs a floating-point input, got \(input.elementType)")
        }
        return output
    }

    /// The validated gather: every target is a class or the ignore index.
    private struct Problem {
        let targets: [Int]
        let classes: Int
        let spatial: Int
        let ignoreIndex: Int?
        let reduction: ClassLossAttributes.Reduction

        func run<T: BinaryFloatingPoint>(_: T.Type, _ input: Tensor, _ weight: Tensor?, _ output: Tensor) {
            let x = input.pointer(as: T.self)
            let w = weight.map { $0.pointer(as: T.self) }
            let y = output.mutablePointer(as: T.self)
            // Sums in double: a mean over many positions would otherwise drift in float32.
            var lossSum = 0.0
            var weightSum = 0.0
            for position in 0..<targets.count {
                let value = targets[position]
                if value == ignoreIndex { continue }
                let n = position / spatial
                let d = position &- n &* spatial
                let factor = w.map { $0[value] } ?? 1
                let loss = -x[(n &* classes &+ value) &* spatial &+ d] * factor
                if reduction == .none {
                    y[position] = loss
                } else {
                    lossSum += Double(loss)
                    weightSum += Double(factor)
                }
            }
            switch reduction {
            case .none: break
            case .sum: y[0] = T(lossSum)
            // No positions left (all ignored, or zero total weight) gives NaN, as the spec's 0/0.
            case .mean: y[0] = T(lossSum / weightSum)
            }
        }
    }
}
