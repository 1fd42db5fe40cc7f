enum DetectionOperators {
    static let schemas: [OperatorSchema] = []
}
