/// Relu on floats and (from opset 14) signed integers.
enum Relu {
    private struct Visitor: NumericVisitor {
        let input: Tensor
        let context: ExecutionContext
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            let output = try context.allocate(T.elementType, input.shape, zeroed: false)
            let source = input.pointer(as: T.self)
            let destination = output.mutablePointer(as: T.self)
            context.forEachRange(input.count) { range in
                for i in range { destination[i] = source[i] > T.zero ? source[i] : T.zero }
            }
            return output
        }
    }

    static let schema = OperatorSchema("Relu", since: 6) { _ in
        ClosureOperator { inputs, context in
            let input = try inputs.required(0)
            if input.elementType == .float || input.elementType == .double || input.elementType == .float16
                || ElementType.signedIntegers.contains(input.elementType)
            {
                return [try input.elementType.dispatchNumeric(Visitor(input: input, context: context), op: "Relu")]
            }
            return [try UnaryMath.floating(input, op: "Relu", context: context, { max($0, 0) }, { max($0, 0) })]
        }
    }
}

/// Shrink: zero inside [-lambd, lambd], shifted by bias outside; defined for all numeric types.
enum Shrink {
    static let schema = OperatorSchema("Shrink", since: 9) { context in
        let bias = Double(try context.attributes.float("bias", default: 0))
        let lambd = Double(try context.attributes.float("lambd", default: 0.5))
        return ClosureOperator { inputs, run in
            let input = try inputs.required(0)
            let f: @Sendable (Double) -> Double = { x in x < -lambd ? x + bias : (x > lambd ? x - bias : 0) }
            if input.elementType.isFloatingPoint {
                return [try UnaryMath.floating(input, op: "Shrink", context: run, { Float(f(Double($0))) }, f)]
            }
            let widened = try UnaryMath.floating(TensorCast.convert(input, to: .double), op: "Shrink", context: run, { $0 }, f)
            return [TensorCast.convert(widened, to: input.elementType, context: run)]
        }
    }
}
