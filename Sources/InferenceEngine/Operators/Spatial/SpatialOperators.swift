enum SpatialOperators {
    static let schemas: [OperatorSchema] = []
}
