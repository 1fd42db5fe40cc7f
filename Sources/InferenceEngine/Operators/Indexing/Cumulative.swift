/// CumSum and CumProd: running sums (products) along one axis, optionally excluding the current
/// element or running from the end. 16-bit floats accumulate in float32 so long runs do not drift.
enum Cumulative {
    enum Kind: Sendable { case sum, product }

    static let cumSumSchema = schema("CumSum", .sum, since: 11)
    static let cumProdSchema = schema("CumProd", .product, since: 26)

    private static func schema(_ name: String, _ kind: Kind, since: Int) -> OperatorSchema {
        OperatorSchema(name, since: since) { context in
            let exclusive = try context.attributes.int("exclusive", default: 0) != 0
            let reverse = try context.attributes.int("reverse", default: 0) != 0
            return ClosureOperator { inputs, run in
                let input = try inputs.required(0, "x")
                let axis = try IndexCheck.axis(IndexCheck.scalarInt(inputs.required(1, "axis"), op: name, "axis"), of: input, op: name)
                let widened = [.float16, .bfloat16].contains(input.elementType) ? TensorCast.convert(input, to: .float, context: run) : input
                let shape = input.shape
                let kernel = Kernel(
                    input: widened, kind: kind, outer: shape.product(0..<axis), length: shape[axis],
                    inner: shape.product((axis + 1)..<shape.count), exclusive: exclusive, reverse: reverse, context: run)
                let result = try widened.elementType.dispatchNumeric(kernel, op: name)
                return [TensorCast.convert(result, to: input.elementType, context: run)]
            }
        }
    }

    /// Works row by row over [outer, length, inner]: each output row is the previous one combined
    /// with one row of input, so memory is walked in order whatever the axis.
    private struct Kernel: NumericVisitor {
        let input: Tensor, kind: Kind
        let outer: Int, length: Int, inner: Int
        let exclusive: Bool, reverse: Bool
        let context: ExecutionContext

        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            switch kind {
            case .sum: try run(T.self, identity: T.zero, T.plus)
            case .product: try run(T.self, identity: T.one, T.times)
            }
        }

        private func run<T: NumericElement>(_ type: T.Type, identity: T, _ combine: (T, T) -> T) throws -> Tensor {
            let output = try context.allocate(T.elementType, input.shape)
            guard length > 0 else { return output }
            let x = input.pointer(as: T.self)
            let y = output.mutablePointer(as: T.self)
            let step = reverse ? -inner : inner
            for o in 0..<outer {
                let first = o &* length &* inner &+ (reverse ? (length - 1) &* inner : 0)
                for i in 0..<inner { y[first &+ i] = exclusive ? identity : x[first &+ i] }
                var row = first
                for _ in 1..<length {
                    let previous = row
                    row &+= step
                    let added = exclusive ? previous : row
                    for i in 0..<inner { y[row &+ i] = combine(y[previous &+ i], x[added &+ i]) }
                }
            }
            return output
        }
    }
}
