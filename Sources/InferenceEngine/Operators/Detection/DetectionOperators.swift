/// Object-detection post-processing operators.
enum DetectionOperators {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("NonMaxSuppression", since: 10) { context in try NonMaxSuppressionOperator(context: context) }
    ]
}
