enum IndexingOperators {
    static let schemas: [OperatorSchema] = []
}
