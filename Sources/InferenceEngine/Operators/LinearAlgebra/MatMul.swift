/// MatMul for every numeric type: float32 through the tuned SGEMM, the 16-bit floats through
/// float32, the rest through the generic kernel.
enum MatMul {
    static func run(_ a: Tensor, _ b: Tensor, op: String = "MatMul", context: ExecutionContext) throws -> Tensor {
        guard a.elementType == b.elementType else {
            throw OperatorFailure("\(op) operands have different types \(a.elementType) and \(b.elementType)")
        }
        let plan = try MatMulPlan(a.shape, b.shape)
        switch a.elementType {
        case .float:
            // SGEMM with beta 0 writes every element.
            let output = try context.allocate(.float, plan.outputShape, zeroed: false)
            multiplyFloat(
                plan, a.pointer(as: Float.self), b.pointer(as: Float.self), output.mutablePointer(as: Float.self),
                context: context)
            return output
        case .float16, .bfloat16:
            let result = try run(TensorCast.convert(a, to: .float), TensorCast.convert(b, to: .float), op: op, context: context)
            return TensorCast.convert(result, to: a.elementType, context: context)
        default:
            return try a.elementType.dispatchNumeric(GenericVisitor(plan: plan, a: a, b: b, context: context), op: op)
        }
    }

    /// Batches go to threads whole when there are several; a single product splits inside SGEMM.
    static func multiplyFloat(
        _ plan: MatMulPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, context: ExecutionContext? = nil
    ) {
        let (m, n, k) = (plan.m, plan.n, plan.k)
        let product = { (batch: Int, context: ExecutionContext?) in
            Sgemm.multiply(
                m: m, n: n, k: k, a: FloatMatrix(a + plan.aOffsets[batch], leading: k),
                b: FloatMatrix(b + plan.bOffsets[batch], leading: n), c: c + batch * m * n, ldc: n,
                context: context)
        }
        if let context, plan.batchCount > 1, m &* n &* k &* plan.batchCount >= Sgemm.parallelThreshold {
            context.parallelFor(plan.batchCount) { product($0, nil) }
        } else {
            for batch in 0..<plan.batchCount { product(batch, context) }
        }
    }

    private struct GenericVisitor: NumericVisitor {
        let plan: MatMulPlan
        let a: Tensor, b: Tensor
        let context: ExecutionContext
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            let output = try context.allocate(T.elementType, plan.outputShape)
            let pa = a.pointer(as: T.self)
            let pb = b.pointer(as: T.self)
            let pc = output.mutablePointer(as: T.self)
            let (m, n, k) = (plan.m, plan.n, plan.k)
            for batch in 0..<plan.batchCount {
                GenericGemm.multiply(
                    m: m, n: n, k: k, a: StridedMatrix(pa + plan.aOffsets[batch], leading: k),
                    b: StridedMatrix(pb + plan.bOffsets[batch], leading: n), c: pc + batch * m * n, ldc: n)
            }
            return output
        }
    }

    static let schema = OperatorSchema("MatMul", since: 1) { _ in MatMulOperator() }
}

/// The MatMul node, with the constant bias of a following Add folded in at load
/// (`OperatorFusion`): each row of the product gets it added while still in cache, instead of a
/// broadcast Add sweeping the whole tensor again into a new one.
struct MatMulOperator: Operator {
    /// One value per column of the product (float32), when an Add was fused in.
    var bias: [Float]?

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let product = try MatMul.run(inputs.required(0), inputs.required(1), context: context)
        guard let bias else { return [product] }
        let columns = bias.count
        guard product.elementType == .float, product.shape.last == columns else {
            throw OperatorFailure("the fused bias holds \(columns) float32 values, the product is \(product.elementType) \(product.shape)")
        }
        let values = product.mutablePointer(as: Float.self)
        bias.withUnsafeBufferPointer { bias in
            context.forEachRange(
                product.count / columns, minimumPerThread: max(1, ExecutionContext.elementsPerThread / columns),
                granularity: 1
            ) { rows in
                for row in rows {
                    let target = values + row * columns
                    for j in 0..<columns { target[j] += bias[j] }
                }
            }
        }
        return [product]
    }
}
