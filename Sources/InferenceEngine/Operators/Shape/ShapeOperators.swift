enum ShapeOperators {
    static let schemas: [OperatorSchema] = []
}
