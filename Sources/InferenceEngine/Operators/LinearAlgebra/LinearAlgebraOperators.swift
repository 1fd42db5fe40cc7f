/// Matrix products: MatMul, Gemm, Einsum.
enum LinearAlgebraOperators {
    static let schemas: [OperatorSchema] = [MatMul.schema, GemmOperator.schema, EinsumOperator.schema]
}
