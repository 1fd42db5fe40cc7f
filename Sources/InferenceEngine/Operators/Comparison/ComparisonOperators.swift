enum ComparisonOperators {
    static let schemas: [OperatorSchema] = []
}
