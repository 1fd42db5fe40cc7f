/// Training losses over class scores: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
enum LossOperators {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("NegativeLogLikelihoodLoss", since: 12) { try NegativeLogLikelihoodLossOperator(context: $0) },
        OperatorSchema("SoftmaxCrossEntropyLoss", since: 12) { try SoftmaxCrossEntropyLossOperator(context: $0) }
    ]
}
