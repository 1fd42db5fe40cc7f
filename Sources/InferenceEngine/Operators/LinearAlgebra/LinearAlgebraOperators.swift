enum LinearAlgebraOperators {
    static let schemas: [OperatorSchema] = []
}
