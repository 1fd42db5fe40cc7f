/// Arithmetic on tensors, element by element with broadcasting.
enum ElementwiseOperators {
    static let schemas: [OperatorSchema] = binarySchemas + variadicSchemas + UnaryMath.schemas + BitwiseOperators.schemas
}
