enum RecurrentOperators {
    static let schemas: [OperatorSchema] = []
}
