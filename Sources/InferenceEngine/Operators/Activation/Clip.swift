/// Clip: bounds from attributes before opset 11, from optional inputs after; any numeric type.
enum Clip {
    private struct Visitor: NumericVisitor {
        let input: Tensor
        let low: Double?, high: Double?
        let lowTensor: Tensor?, highTensor: Tensor?
        let context: ExecutionContext
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            let lower = try lowTensor.map { try bound($0, T.self) } ?? low.map { T(convertingDouble: $0) } ?? T.lowest
            let upper = try highTensor.map { try bound($0, T.self) } ?? high.map { T(convertingDouble: $0) } ?? T.highest
            let output = try context.allocate(T.elementType, input.shape, zeroed: false)
            let source = input.pointer(as: T.self)
            let destination = output.mutablePointer(as: T.self)
            context.forEachRange(input.count) { range in
                for i in range {
                    let x = source[i]
                    // min(max(x, lower), upper): when lower > upper every element becomes upper.
                    let raised = x < lower ? lower : x
                    destination[i] = x.isNaNValue ? x : (raised > upper ? upper : raised)
                }
            }
            return output
        }
        private func bound<T: NumericElement>(_ tensor: Tensor, _ type: T.Type) throws -> T {
            guard tensor.elementType == T.elementType, tensor.count == 1 else {
                throw OperatorFailure("Clip bounds must be \(T.elementType) scalars, got \(tensor.elementType) \(tensor.shape)")
            }
            return tensor.pointer(as: T.self)[0]
        }
    }

    static let schema = OperatorSchema("Clip", since: 6) { context in
        let legacy = context.opset < 11
        let low = legacy ? Double(try context.attributes.float("min", default: -Float.greatestFiniteMagnitude)) : nil
        let high = legacy ? Double(try context.attributes.float("max", default: Float.greatestFiniteMagnitude)) : nil
        return ClosureOperator { inputs, run in
            let input = try inputs.required(0)
            var visitor = Visitor(
                input: input, low: low, high: high,
                lowTensor: legacy ? nil : inputs.optional(1), highTensor: legacy ? nil : inputs.optional(2), context: run)
            if input.elementType == .bfloat16 {
                visitor = Visitor(
                    input: TensorCast.convert(input, to: .float), low: low, high: high,
                    lowTensor: visitor.lowTensor.map { TensorCast.convert($0, to: .float) },
                    highTensor: visitor.highTensor.map { TensorCast.convert($0, to: .float) }, context: run)
                return [TensorCast.convert(try ElementType.float.dispatchNumeric(visitor, op: "Clip"), to: .bfloat16)]
            }
            return [try input.elementType.dispatchNumeric(visitor, op: "Clip")]
        }
    }
}

/// PRelu: a learned slope for negative inputs, broadcast (unidirectionally) to the input.
enum PRelu {
    private struct Visitor: NumericVisitor {
        let x: Tensor, slope: Tensor, context: ExecutionContext
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            try Broadcast.binary(x, slope, T.self, T.elementType, context: context) { value, s in
                value < T.zero ? T.times(value, s) : value
            }
        }
    }

    static let schema = OperatorSchema("PRelu", since: 7) { _ in
        ClosureOperator { inputs, context in
            let x = try inputs.required(0)
            let slope = try inputs.required(1)
            guard x.elementType == slope.elementType else { throw OperatorFailure("slope type \(slope.elementType) differs from input \(x.elementType)") }
            return [try x.elementType.dispatchNumeric(Visitor(x: x, slope: slope, context: context), op: "PRelu")]
        }
    }
}
