/// Max, Min, Sum, Mean: any number of inputs broadcast together.
extension ElementwiseOperators {
    static let variadicSchemas: [OperatorSchema] = [
        variadic("Max") { a, b, _ in try VariadicReduce.run(a, b, op: "Max", pick: .max) },
        variadic("Min") { a, b, _ in try VariadicReduce.run(a, b, op: "Min", pick: .min) },
        variadic("Sum") { a, b, c in try BinaryArithmetic.run(.add, a, b, op: "Sum", context: c) },
        OperatorSchema("Mean", since: 8) { _ in
            ClosureOperator { inputs, context in
                let present = inputs.compactMap { $0 }
                guard var total = present.first else { throw OperatorFailure("Mean needs at least one input") }
                for next in present.dropFirst() { total = try BinaryArithmetic.run(.add, total, next, op: "Mean", context: context) }
                let divisor = TensorCast.convert(Tensor(scalar: Double(present.count)), to: total.elementType)
                return [try BinaryArithmetic.run(.divide, total, divisor, op: "Mean", context: context)]
            }
        }
    ]

    private static func variadic(_ name: String, _ combine: @escaping @Sendable (Tensor, Tensor, ExecutionContext) throws -> Tensor) -> OperatorSchema {
        OperatorSchema(name, since: 8) { _ in
            ClosureOperator { inputs, context in
                let present = inputs.compactMap { $0 }
                guard var result = present.first else { throw OperatorFailure("\(name) needs at least one input") }
                for next in present.dropFirst() { result = try combine(result, next, context) }
                if present.count == 1 { result = try Broadcast.expand(result, to: result.shape, context: context) }
                return [result]
            }
        }
    }
}

/// Element-wise maximum or minimum of two tensors; NaN wins, as in numpy and onnxruntime.
enum VariadicReduce {
    enum Pick { case max, min }

    static func run(_ a: Tensor, _ b: Tensor, op: String, pick: Pick) throws -> Tensor {
        guard a.elementType == b.elementType else {
            throw OperatorFailure("inputs have different types \(a.elementType) and \(b.elementType)")
        }
        if a.elementType == .bfloat16 {
            return TensorCast.convert(try run(TensorCast.convert(a, to: .float), TensorCast.convert(b, to: .float), op: op, pick: pick), to: .bfloat16)
        }
        return try a.elementType.dispatchNumeric(Visitor(a: a, b: b, pick: pick), op: op)
    }

    private struct Visitor: NumericVisitor {
        let a: Tensor, b: Tensor
        let pick: Pick
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            let context = ExecutionContext()
            switch pick {
            case .max:
                return try Broadcast.binary(a, b, T.self, T.elementType, context: context) { x, y in
                    x.isNaNValue ? x : (y.isNaNValue ? y : (x >= y ? x : y))
                }
            case .min:
                return try Broadcast.binary(a, b, T.self, T.elementType, context: context) { x, y in
                    x.isNaNValue ? x : (y.isNaNValue ? y : (x <= y ? x : y))
                }
            }
        }
    }
}
