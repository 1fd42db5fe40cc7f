enum ReductionOperators {
    static let schemas: [OperatorSchema] = []
}
