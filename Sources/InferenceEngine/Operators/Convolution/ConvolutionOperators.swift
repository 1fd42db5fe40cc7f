/// Convolutions: Conv, ConvTranspose (the integer variants live with the quantization family), and
/// Col2Im, which folds sliding-window columns back into an image through the same scatter.
enum ConvolutionOperators {
    static let schemas: [OperatorSchema] = [
        ConvOperator.schema, ConvTransposeOperator.schema,
        OperatorSchema("Col2Im", since: 18) { try Col2ImOperator(context: $0) }
    ]
}
