enum NormalizationOperators {
    static let schemas: [OperatorSchema] = []
}
