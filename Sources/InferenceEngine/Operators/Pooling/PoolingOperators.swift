enum PoolingOperators {
    static let schemas: [OperatorSchema] = []
}
