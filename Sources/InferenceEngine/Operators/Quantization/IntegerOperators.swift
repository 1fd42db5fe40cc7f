/// MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv: int32 products of zero-point
/// corrected operands, requantized for the QLinear forms. The uint8/int8 operands go to the packed
/// integer GEMM (`IntegerKernels`), with the node's constant weights packed once; zero-point layouts
/// it does not cover take the general path (`IntegerProducts`: widen to int32, generic GEMM).
enum IntegerOperators {
    static let schemas: [OperatorSchema] = [
        OperatorSchema("MatMulInteger", since: 10) { _ in
            let cache = PackedOperandCache()
            return ClosureOperator { inputs, context in
                let a = try inputs.required(0, "A")
                let b = try inputs.required(1, "B")
                if let product = try IntegerKernels.matmul(
                    a, b, aZero: inputs.optional(2), bZero: inputs.optional(3), perRowA: true,
                    cache: cache, context: context)
                {
                    return [product]
                }
                // a_zero_point is per row of A, b_zero_point per column of B.
                let a32 = try IntegerProducts.widen(a, zeroPoint: inputs.optional(2), axis: max(a.rank - 2, 0), "A", context: context)
                let b32 = try IntegerProducts.widen(b, zeroPoint: inputs.optional(3), axis: b.rank - 1, "B", context: context)
                return [try MatMul.run(a32, b32, op: "MatMulInteger", context: context)]
            }
        },
        OperatorSchema("ConvInteger", since: 10) { context in
            let conv = try ConvOperator.build(context)
            let cache = PackedOperandCache()
            return ClosureOperator { inputs, run in
                let x = try inputs.required(0, "x")
                let w = try inputs.required(1, "w")
                if let y = try IntegerKernels.convolve(
                    x, w, xZero: inputs.optional(2), wZero: inputs.optional(3), bias: nil, conv: conv,
                    cache: cache, context: run)
                {
                    return [y]
                }
                let x32 = try IntegerProducts.widen(x, zeroPoint: inputs.optional(2), axis: 1, "x", context: run)
                let w32 = try IntegerProducts.widen(w, zeroPoint: inputs.optional(3), axis: 0, "w", context: run)
                return [try IntegerProducts.convolve(x32, w32, bias: nil, conv: conv, context: run)]
            }
        },
        OperatorSchema("QLinearMatMul", since: 10) { _ in
            let cache = PackedOperandCache()
            return ClosureOperator { inputs, context in
                let a = try inputs.required(0, "a")
                let b = try inputs.required(3, "b")
                let aScale = try inputs.required(1, "a_scale")
                let bScale = try inputs.required(4, "b_scale")
                let yScale = try inputs.required(6, "y_scale")
                let yZero = inputs.optional(7)
                let columns = b.rank == 1 ? 1 : b.shape[b.rank - 1]
                guard bScale.count == 1 || (bScale.rank == 1 && bScale.count == columns) else {
                    throw OperatorFailure("b_scale of shape \(bScale.shape) must be a scalar or one value per column")
                }
                let multipliers = try IntegerProducts.multipliers(aScale, bScale, yScale)
                let type = try IntegerProducts.outputType(zeroPoint: yZero, input: a)
                let product: Tensor
                if let fast = try IntegerKernels.matmul(
                    a, b, aZero: inputs.optional(2), bZero: inputs.optional(5), perRowA: a.rank == 2,
                    cache: cache, context: context)
                {
                    product = fast
                } else {
                    let a32 = try IntegerProducts.widen(a, zeroPoint: inputs.optional(2), axis: 0, "a", context: context)
                    let b32 = try IntegerProducts.widen(b, zeroPoint: inputs.optional(5), axis: b.rank - 1, "b", context: context)
                    product = try MatMul.run(a32, b32, op: "QLinearMatMul", context: context)
                }
                return [try IntegerProducts.requantize(product, multipliers: multipliers, inner: 1, zeroPoint: yZero, type: type, context: context)]
            }
        },
        OperatorSchema("QLinearConv", since: 10) { context in
            let conv = try ConvOperator.build(context)
            let cache = PackedOperandCache()
            return ClosureOperator { inputs, run in
                let x = try inputs.required(0, "x")
                let w = try inputs.required(3, "w")
                let xScale = try inputs.required(1, "x_scale")
                let wScale = try inputs.required(4, "w_scale")
                let yScale = try inputs.required(6, "y_scale")
                let yZero = inputs.optional(7)
                let accumulators: Tensor
                if let fast = try IntegerKernels.convolve(
                    x, w, xZero: inputs.optional(2), wZero: inputs.optional(5), bias: inputs.optional(8),
                    conv: conv, cache: cache, context: run)
                {
                    accumulators = fast
                } else {
                    let x32 = try IntegerProducts.widen(x, zeroPoint: inputs.optional(2), axis: 1, "x", context: run)
                    let w32 = try IntegerProducts.widen(w, zeroPoint: inputs.optional(5), axis: 0, "w", context: run)
                    accumulators = try IntegerProducts.convolve(x32, w32, bias: inputs.optional(8), conv: conv, context: run)
                }
                guard wScale.count == 1 || (wScale.rank == 1 && wScale.count == w.shape[0]) else {
                    throw OperatorFailure("w_scale of shape \(wScale.shape) must be a scalar or one value per output channel")
                }
                let multipliers = try IntegerProducts.multipliers(xScale, wScale, yScale)
                let type = try IntegerProducts.outputType(zeroPoint: yZero, input: x)
                let inner = accumulators.shape[2...].reduce(1, *)
                return [try IntegerProducts.requantize(accumulators, multipliers: multipliers, inner: inner, zeroPoint: yZero, type: type, context: run)]
            }
        }
    ]
}
