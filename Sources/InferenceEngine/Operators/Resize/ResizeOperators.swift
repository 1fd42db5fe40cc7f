/// Resize and its predecessor Upsample.
enum ResizeOperators {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("Resize", since: 10) { context in try ResizeOperator.resize(context) },
        OperatorSchema("Upsample", since: 7) { context in try ResizeOperator.upsample(context) }
    ]
}
