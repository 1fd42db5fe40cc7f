/// Convolutions: Conv, ConvTranspose (the integer variants live with the quantization family).
enum ConvolutionOperators {
    static let schemas: [OperatorSchema] = [ConvOperator.schema, ConvTransposeOperator.schema]
}
