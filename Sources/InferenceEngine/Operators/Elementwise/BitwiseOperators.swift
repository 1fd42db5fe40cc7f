/// BitShift and the Bitwise* operators on unsigned and signed integers.
enum BitwiseOperators {
    enum Kind { case and, or, xor, shiftLeft, shiftRight }

    private struct Visitor: NumericVisitor {
        let a: Tensor, b: Tensor, kind: Kind, context: ExecutionContext
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            guard let integer = T.self as? any (NumericElement & FixedWidthInteger).Type else {
                throw OperatorFailure("bitwise operators need integer inputs, got \(T.elementType)")
            }
            return try apply(integer)
        }
        private func apply<I: NumericElement & FixedWidthInteger>(_ type: I.Type) throws -> Tensor {
            switch kind {
            case .and: try Broadcast.binary(a, b, I.self, I.elementType, context: context) { $0 & $1 }
            case .or: try Broadcast.binary(a, b, I.self, I.elementType, context: context) { $0 | $1 }
            case .xor: try Broadcast.binary(a, b, I.self, I.elementType, context: context) { $0 ^ $1 }
            case .shiftLeft: try Broadcast.binary(a, b, I.self, I.elementType, context: context) { $0 << $1 }
            case .shiftRight: try Broadcast.binary(a, b, I.self, I.elementType, context: context) { $0 >> $1 }
            }
        }
    }

    private static func binary(_ name: String, since: Int, _ kind: Kind) -> OperatorSchema {
        OperatorSchema(name, since: since) { _ in
            ClosureOperator { inputs, context in
                let a = try inputs.required(0)
                let b = try inputs.required(1)
                guard a.elementType == b.elementType else { throw OperatorFailure("inputs have different types") }
                return [try a.elementType.dispatchNumeric(Visitor(a: a, b: b, kind: kind, context: context), op: name)]
            }
        }
    }

    static let schemas: [OperatorSchema] = [
        binary("BitwiseAnd", since: 18, .and), binary("BitwiseOr", since: 18, .or), binary("BitwiseXor", since: 18, .xor),
        OperatorSchema("BitwiseNot", since: 18) { _ in
            ClosureOperator { inputs, context in
                let a = try inputs.required(0)
                let ones = TensorCast.convert(Tensor(scalar: Int64(-1)), to: a.elementType)
                return [try a.elementType.dispatchNumeric(Visitor(a: a, b: ones, kind: .xor, context: context), op: "BitwiseNot")]
            }
        },
        OperatorSchema("BitShift", since: 11) { context in
            let direction = try context.attributes.string("direction", default: "")
            guard direction == "LEFT" || direction == "RIGHT" else { throw context.invalid("direction must be LEFT or RIGHT") }
            return ClosureOperator { inputs, run in
                let a = try inputs.required(0)
                let b = try inputs.required(1)
                guard a.elementType == b.elementType, ElementType.unsignedIntegers.contains(a.elementType) else {
                    throw OperatorFailure("BitShift needs two unsigned integer inputs of one type")
                }
                return [
                    try a.elementType.dispatchNumeric(
                        Visitor(a: a, b: b, kind: direction == "LEFT" ? .shiftLeft : .shiftRight, context: run), op: "BitShift")
                ]
            }
        }
    ]
}
