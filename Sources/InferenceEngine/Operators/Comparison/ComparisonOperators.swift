/// Comparisons (numeric in, bool out), logical operators (bool in and out) and Where.
enum ComparisonOperators {
    static let schemas: [OperatorSchema] = [
        compare("Equal", since: 7, allowBool: true) { $0 == $1 },
        compare("Less", since: 7) { $0 < $1 },
        compare("Greater", since: 7) { $0 < $1 ? false : $0 != $1 },
        compare("LessOrEqual", since: 12) { $0 <= $1 },
        compare("GreaterOrEqual", since: 12) { $0 >= $1 },
        logical("And") { $0 && $1 }, logical("Or") { $0 || $1 }, logical("Xor") { $0 != $1 },
        OperatorSchema("Not", since: 1) { _ in
            ClosureOperator { inputs, context in
                let input = try inputs.required(0)
                try input.require([.bool], "Not input")
                let output = try context.allocate(.bool, input.shape)
                let source = input.pointer(as: Bool.self)
                let destination = output.mutablePointer(as: Bool.self)
                for i in 0..<input.count { destination[i] = !source[i] }
                return [output]
            }
        },
        Where.schema
    ]

    /// A comparison written once for every ordered type. NaN compares false, as IEEE says.
    private static func compare(
        _ name: String, since: Int, allowBool: Bool = false,
        _ predicate: @escaping @Sendable (Double, Double) -> Bool
    ) -> OperatorSchema {
        OperatorSchema(name, since: since) { _ in
            ClosureOperator { inputs, context in
                let a = try inputs.required(0)
                let b = try inputs.required(1)
                guard a.elementType == b.elementType else {
                    throw OperatorFailure("\(name) inputs have different types \(a.elementType) and \(b.elementType)")
                }
                if a.elementType == .bool || a.elementType == .bfloat16 {
                    guard allowBool || a.elementType == .bfloat16 else { throw OperatorFailure("\(name) does not compare bools") }
                    return [
                        try Broadcast.binary(
                            TensorCast.convert(a, to: .float), TensorCast.convert(b, to: .float), Float.self,
                            .bool, context: context
                        ) { predicate(Double($0), Double($1)) }
                    ]
                }
                return [try a.elementType.dispatchNumeric(Visitor(a: a, b: b, context: context, predicate: predicate), op: name)]
            }
        }
    }

    /// Compares in the native type for integers (int64 beyond 2^53 stays exact) and floats alike.
    private struct Visitor: NumericVisitor {
        let a: Tensor, b: Tensor, context: ExecutionContext
        let predicate: @Sendable (Double, Double) -> Bool
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            // Order-preserving: decide with the native comparison, then ask the predicate which
            // outcome it wants for "less", "equal" and "greater" (and NaN: unordered → false).
            let wantsLess = predicate(0, 1)
            let wantsEqual = predicate(0, 0)
            let wantsGreater = predicate(1, 0)
            return try Broadcast.binary(a, b, T.self, .bool, context: context) { x, y in
                if x.isNaNValue || y.isNaNValue { return false }
                return x < y ? wantsLess : (x == y ? wantsEqual : wantsGreater)
            }
        }
    }

    private static func logical(_ name: String, _ op: @escaping @Sendable (Bool, Bool) -> Bool) -> OperatorSchema {
        OperatorSchema(name, since: 7) { _ in
            ClosureOperator { inputs, context in
                let a = try inputs.required(0)
                let b = try inputs.required(1)
                try a.require([.bool], "\(name) input A")
                try b.require([.bool], "\(name) input B")
                return [try Broadcast.binary(a, b, Bool.self, .bool, context: context, op)]
            }
        }
    }
}
