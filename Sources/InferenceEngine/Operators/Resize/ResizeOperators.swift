enum ResizeOperators {
    static let schemas: [OperatorSchema] = []
}
