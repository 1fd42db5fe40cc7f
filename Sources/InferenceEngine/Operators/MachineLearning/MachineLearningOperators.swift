enum MachineLearningOperators {
    static let schemas: [OperatorSchema] = []
}
