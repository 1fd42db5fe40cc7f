/// SoftmaxCrossEntropyLoss: log-softmax over the class axis (1), then the negative log-likelihood
/// of the targets. The second output is the log-softmax itself.
struct SoftmaxCrossEntropyLossOperator: Operator {
    let attributes: ClassLossAttributes

    init(context: OperatorBuildContext) throws {
        attributes = try ClassLossAttributes(context: context)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let scores = try inputs.required(0, "scores")
        let target = try inputs.required(1, "labels")
        let weight = inputs.optional(2)
        let op = "SoftmaxCrossEntropyLoss"
        return try FloatWidening.run([scores, weight], narrowTo: scores.elementType, context: context) { widened in
            let scores = try widened.required(0, "scores")
            guard scores.rank >= 2 else { throw OperatorFailure("\(op) needs scores of shape [N, C, ...], got \(scores.shape)") }
            let logProbabilities = try SoftmaxKernels.run(
                .logSoftmax, scores, layout: AxisLayout(shape: scores.shape, axis: 1),
                op: op, context: context)
            let loss = try NegativeLogLikelihood.loss(
                logProbabilities: logProbabilities, target: target, weight: widened.optional(1),
                attributes, op: op, context: context)
            return [loss, logProbabilities]
        }
    }
}
