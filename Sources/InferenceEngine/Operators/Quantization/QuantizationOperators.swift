enum QuantizationOperators {
    static let schemas: [OperatorSchema] = []
}
