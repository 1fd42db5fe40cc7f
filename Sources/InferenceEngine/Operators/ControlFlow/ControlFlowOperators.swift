enum ControlFlowOperators {
    static let schemas: [OperatorSchema] = []
}
