enum AttentionOperators {
    static let schemas: [OperatorSchema] = []
}
