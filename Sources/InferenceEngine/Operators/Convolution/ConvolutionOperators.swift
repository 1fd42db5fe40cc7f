enum ConvolutionOperators {
    static let schemas: [OperatorSchema] = []
}
