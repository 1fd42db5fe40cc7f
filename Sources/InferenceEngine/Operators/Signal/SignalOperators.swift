enum SignalOperators {
    static let schemas: [OperatorSchema] = []
}
