enum ActivationOperators {
    static let schemas: [OperatorSchema] = []
}
