/// Quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear and the integer
/// products (MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv).
enum QuantizationOperators {
    static let schemas: [OperatorSchema] =
        [
            QuantizeLinearOperator.schema, DequantizeLinearOperator.schema, DynamicQuantizeLinear.schema
        ] + IntegerOperators.schemas + []
}
