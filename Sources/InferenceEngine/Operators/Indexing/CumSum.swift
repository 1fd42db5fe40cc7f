/// CumSum: running sums along one axis, optionally excluding the current element or running from
/// the end. 16-bit floats accumulate in float32 so long sums do not drift.
enum CumSum {
    static let schema = OperatorSchema("CumSum", since: 11) { context in
        let exclusive = try context.attributes.int("exclusive", default: 0) != 0
        let reverse = try context.attributes.int("reverse", default: 0) != 0
        return ClosureOperator { inputs, run in
            let input = try inputs.required(0, "x")
            let axis = try IndexCheck.axis(IndexCheck.scalarInt(inputs.required(1, "axis"), op: "CumSum", "axis"), of: input, op: "CumSum")
            let widened = [.float16, .bfloat16].contains(input.elementType) ? TensorCast.convert(input, to: .float, context: run) : input
            let shape = input.shape
            let kernel = Kernel(input: widened, outer: shape.product(0..<axis), length: shape[axis],
                                inner: shape.product((axis + 1)..<shape.count), exclusive: exclusive, reverse: reverse, context: run)
            let sums = try widened.elementType.dispatchNumeric(kernel, op: "CumSum")
            return [TensorCast.convert(sums, to: input.elementType, context: run)]
        }
    }

    /// Works row by row over [outer, length, inner]: each row of sums is the previous row plus one
    /// row of input, so memory is walked in order whatever the axis.
    private struct Kernel: NumericVisitor {
        let input: Tensor
        let outer: Int, length: Int, inner: Int
        let exclusive: Bool, reverse: Bool
        let context: ExecutionContext

        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            let output = context.allocate(T.elementType, input.shape)
            let x = input.pointer(as: T.self), y = output.mutablePointer(as: T.self)
            guard length > 0 else { return output }
            let step = reverse ? -inner : inner
            for o in 0..<outer {
                let first = o &* length &* inner &+ (reverse ? (length - 1) &* inner : 0)
                for i in 0..<inner { y[first &+ i] = exclusive ? T.zero : x[first &+ i] }
                var row = first
                for _ in 1..<length {
                    let previous = row
                    row &+= step
                    let added = exclusive ? previous : row
                    for i in 0..<inner { y[row &+ i] = T.plus(y[previous &+ i], x[added &+ i]) }
                }
            }
            return output
        }
    }
}
