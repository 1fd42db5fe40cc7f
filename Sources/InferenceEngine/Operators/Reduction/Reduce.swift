/// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
/// ReduceLogSumExp, ReduceSumSquare.
struct ReduceOperator: Operator {
    let kind: ReduceKind
    let name: String
    let axes: ReductionAxes

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let data = try inputs.required(0, "data")
        let plan = try axes.plan(for: data.shape, axesInput: inputs.optional(1))
        guard data.elementType == .bool else {
            return [try ReduceKernels.run(kind, data, plan: plan, op: name, context: context)]
        }
        // Max and min of booleans are `or` and `and`: fold the bytes as 0/1 integers. An empty
        // ReduceMin yields 255, which reads back as true, the identity of `and`.
        guard kind == .max || kind == .min else { throw OperatorFailure("\(name) does not support bool tensors") }
        let bytes = Tensor(elementType: .uint8, shape: data.shape, storage: data.storage)
        let folded = try ReduceKernels.run(kind, bytes, plan: plan, op: name, context: context)
        return [TensorCast.convert(folded, to: .bool, context: context)]
    }
}

extension ReductionOperators {
    static let reduceSchemas: [OperatorSchema] = [
        reduce("ReduceSum", .sum, axesInputSince: 13),
        reduce("ReduceMean", .mean), reduce("ReduceMax", .max), reduce("ReduceMin", .min),
        reduce("ReduceProd", .product), reduce("ReduceL1", .l1), reduce("ReduceL2", .l2),
        reduce("ReduceLogSum", .logSum), reduce("ReduceLogSumExp", .logSumExp),
        reduce("ReduceSumSquare", .sumSquare)
    ]

    /// Opset 1 already has today's semantics (negative axes, allowed from 11, are a superset).
    private static func reduce(_ name: String, _ kind: ReduceKind, axesInputSince: Int = 18) -> OperatorSchema {
        OperatorSchema(name, since: 1) { context in
            ReduceOperator(kind: kind, name: name, axes: try ReductionAxes(context, axesInputSince: axesInputSince))
        }
    }
}
