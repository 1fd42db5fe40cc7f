enum LossOperators {
    static let schemas: [OperatorSchema] = []
}
