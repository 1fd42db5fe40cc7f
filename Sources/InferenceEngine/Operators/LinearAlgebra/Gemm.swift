/// Gemm: `Y = alpha * A' * B' + beta * C`, A' and B' optionally transposed, C broadcast to [M, N].
struct GemmOperator: Operator {
    let transA: Bool
    let transB: Bool
    let alpha: Float
    let beta: Float

    static let schema = OperatorSchema("Gemm", since: 7) { context in
        GemmOperator(
            transA: try context.attributes.int("transA", default: 0) != 0,
            transB: try context.attributes.int("transB", default: 0) != 0,
            alpha: try context.attributes.float("alpha", default: 1),
            beta: try context.attributes.float("beta", default: 1))
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let a = try inputs.required(0, "A")
        let b = try inputs.required(1, "B")
        let c = beta == 0 ? nil : inputs.optional(2)
        guard a.elementType == b.elementType, c.map({ $0.elementType == a.elementType }) ?? true else {
            throw OperatorFailure("Gemm inputs have different types \([a, b] + (c.map { [$0] } ?? []))")
        }
        guard a.rank == 2, b.rank == 2 else { throw OperatorFailure("Gemm needs 2-D A and B, got \(a.shape) and \(b.shape)") }
        let m = transA ? a.shape[1] : a.shape[0]
        let k = transA ? a.shape[0] : a.shape[1]
        let n = transB ? b.shape[0] : b.shape[1]
        guard (transB ? b.shape[1] : b.shape[0]) == k else {
            throw OperatorFailure("Gemm inner dimensions differ: A \(a.shape) transA=\(transA), B \(b.shape) transB=\(transB)")
        }
        if let c, c.rank > 2 || (try? Broadcast.shape([c.shape, [m, n]])) != [m, n] {
            throw OperatorFailure("Gemm C of shape \(c.shape) does not broadcast to [\(m), \(n)]")
        }
        switch a.elementType {
        case .float:
            let output = try context.allocate(.float, [m, n])
            let y = output.mutablePointer(as: Float.self)
            if let c { fill(y, m: m, n: n, from: c, Float.self) }
            Sgemm.multiply(
                m: m, n: n, k: k,
                a: FloatMatrix(a.pointer(as: Float.self), leading: a.shape[1], transposed: transA),
                b: FloatMatrix(b.pointer(as: Float.self), leading: b.shape[1], transposed: transB),
                c: y, ldc: n, alpha: alpha, beta: c == nil ? 0 : beta, context: context)
            return [output]
        case .float16, .bfloat16:
            let widened = [a, b, c].map { $0.map { TensorCast.convert($0, to: .float) } }
            let result = try run(widened, context: context)[0]
            return [TensorCast.convert(result, to: a.elementType, context: context)]
        default:
            return [try a.elementType.dispatchNumeric(GenericVisitor(gemm: self, a: a, b: b, c: c, m: m, n: n, k: k, context: context), op: "Gemm")]
        }
    }

    /// Writes C broadcast to [m, n] into `y`.
    private func fill<T>(_ y: UnsafeMutablePointer<T>, m: Int, n: Int, from c: Tensor, _ type: T.Type) {
        let strides = Broadcast.strides(of: c.shape, in: [m, n])
        let source = c.pointer(as: T.self)
        for i in 0..<m {
            for j in 0..<n { y[i * n + j] = source[i * strides[0] + j * strides[1]] }
        }
    }

    private struct GenericVisitor: NumericVisitor {
        let gemm: GemmOperator
        let a: Tensor, b: Tensor, c: Tensor?
        let m: Int, n: Int, k: Int
        let context: ExecutionContext
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            let output = try context.allocate(T.elementType, [m, n])
            let y = output.mutablePointer(as: T.self)
            GenericGemm.multiply(
                m: m, n: n, k: k,
                a: StridedMatrix(a.pointer(as: T.self), leading: a.shape[1], transposed: gemm.transA),
                b: StridedMatrix(b.pointer(as: T.self), leading: b.shape[1], transposed: gemm.transB),
                c: y, ldc: n)
            let alpha = T(convertingDouble: Double(gemm.alpha))
            if gemm.alpha != 1 { for i in 0..<(m * n) { y[i] = T.times(alpha, y[i]) } }
            if let c {
                let beta = T(convertingDouble: Double(gemm.beta))
                let strides = Broadcast.strides(of: c.shape, in: [m, n])
                let source = c.pointer(as: T.self)
                for i in 0..<m {
                    for j in 0..<n {
                        y[i * n + j] = T.plus(y[i * n + j], T.times(beta, source[i * strides[0] + j * strides[1]]))
                    }
                }
            }
            return output
        }
    }
}
