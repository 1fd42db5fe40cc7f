/// Add, Sub, Mul, Div, Mod, Pow: two inputs broadcast together.
enum BinaryArithmetic {
    enum Kind: Sendable {
        case add, subtract, multiply, divide
        case modulo(fmod: Bool)
        case power

        /// The same operation in the parallel float32 kernel, where it has one.
        var floatOperation: FloatArithmetic.Operation? {
            switch self {
            case .add: .add
            case .subtract: .subtract
            case .multiply: .multiply
            case .divide: .divide
            case .modulo, .power: nil
            }
        }
    }

    static func run(_ kind: Kind, _ a: Tensor, _ b: Tensor, op: String, context: ExecutionContext) throws -> Tensor {
        if case .power = kind, a.elementType != b.elementType {
            // Pow allows an exponent of another type; compute it in the base's type.
            return try run(kind, a, TensorCast.convert(b, to: a.elementType, context: context), op: op, context: context)
        }
        guard a.elementType == b.elementType else {
            throw OperatorFailure("inputs have different types \(a.elementType) and \(b.elementType)")
        }
        if a.elementType == .float, let operation = kind.floatOperation {
            return try FloatArithmetic.run(operation, a, b, context: context)
        }
        if a.elementType == .bfloat16 {
            let result = try run(kind, TensorCast.convert(a, to: .float), TensorCast.convert(b, to: .float), op: op, context: context)
            return TensorCast.convert(result, to: .bfloat16, context: context)
        }
        return try a.elementType.dispatchNumeric(Visitor(kind: kind, a: a, b: b, context: context), op: op)
    }

    private struct Visitor: NumericVisitor {
        let kind: Kind
        let a: Tensor, b: Tensor
        let context: ExecutionContext
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            switch kind {
            case .add: try Broadcast.binary(a, b, T.self, T.elementType, context: context, T.plus)
            case .subtract: try Broadcast.binary(a, b, T.self, T.elementType, context: context, T.minus)
            case .multiply: try Broadcast.binary(a, b, T.self, T.elementType, context: context, T.times)
            case .divide: try Broadcast.binary(a, b, T.self, T.elementType, context: context, T.dividedBy)
            case .power: try Broadcast.binary(a, b, T.self, T.elementType, context: context, T.power)
            case .modulo(let fmod): try Broadcast.binary(a, b, T.self, T.elementType, context: context) { T.modulo($0, $1, fmod: fmod) }
            }
        }
    }
}

extension ElementwiseOperators {
    static let binarySchemas: [OperatorSchema] = [
        binary("Add", .add), binary("Sub", .subtract), binary("Mul", .multiply), binary("Div", .divide),
        binary("Pow", .power),
        OperatorSchema("Mod", since: 10) { context in
            let fmod = try context.attributes.int("fmod", default: 0) != 0
            return ClosureOperator { inputs, run in
                let a = try inputs.required(0)
                let b = try inputs.required(1)
                if !fmod && a.elementType.isFloatingPoint {
                    throw OperatorFailure("Mod on floating-point inputs requires fmod=1")
                }
                return [try BinaryArithmetic.run(.modulo(fmod: fmod), a, b, op: "Mod", context: run)]
            }
        }
    ]

    /// Opsets before 7 broadcast only with an explicit `broadcast` attribute; those files are refused.
    private static func binary(_ name: String, _ kind: BinaryArithmetic.Kind) -> OperatorSchema {
        OperatorSchema(name, since: 7) { _ in
            ClosureOperator { inputs, context in
                [try BinaryArithmetic.run(kind, inputs.required(0), inputs.required(1), op: name, context: context)]
            }
        }
    }
}
