/// Matrix products (MatMul, Gemm, Einsum) and the determinant (Det).
enum LinearAlgebraOperators {
    static let schemas: [OperatorSchema] = [MatMul.schema, GemmOperator.schema, EinsumOperator.schema, DeterminantOperator.schema]
}
