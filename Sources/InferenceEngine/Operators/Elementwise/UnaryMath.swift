/// One-input math: Neg, Abs, Sqrt, Exp, Log, trigonometry, rounding, Erf, IsNaN, IsInf, Sign.
enum UnaryMath {
    /// A whole-range float32 kernel (input, output, count), for functions a vector loop does far
    /// better than `f` per element.
    typealias FloatKernel = @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    /// Applies a float function element by element, split over the run's threads. Float32 runs
    /// `kernel` when given, else `f`; float64 runs `d`; the 16-bit float types compute through float32.
    static func floating(
        _ input: Tensor, op: String, context: ExecutionContext,
        _ f: (Float) -> Float, _ d: (Double) -> Double, kernel: FloatKernel? = nil
    ) throws -> Tensor {
        let count = input.count
        switch input.elementType {
        case .float:
            let output = try context.allocate(.float, input.shape, zeroed: false)
            let source = input.pointer(as: Float.self)
            let destination = output.mutablePointer(as: Float.self)
            context.forEachRange(count) { range in
                if let kernel {
                    kernel(source + range.lowerBound, destination + range.lowerBound, range.count)
                } else {
                    for i in range { destination[i] = f(source[i]) }
                }
            }
            return output
        case .double:
            let output = try context.allocate(.double, input.shape)
            let source = input.pointer(as: Double.self)
            let destination = output.mutablePointer(as: Double.self)
            for i in 0..<count { destination[i] = d(source[i]) }
            return output
        case .float16, .bfloat16:
            let widened = try floating(TensorCast.convert(input, to: .float), op: op, context: context, f, d, kernel: kernel)
            return TensorCast.convert(widened, to: input.elementType, context: context)
        default:
            throw OperatorFailure("\(op) needs a floating-point input, got \(input.elementType)")
        }
    }

    private static func math(
        _ name: String, since: Int = 6, _ f: @escaping @Sendable (Float) -> Float,
        _ d: @escaping @Sendable (Double) -> Double
    ) -> OperatorSchema {
        OperatorSchema(name, since: since) { _ in
            ClosureOperator { inputs, context in [try floating(inputs.required(0), op: name, context: context, f, d)] }
        }
    }

    /// Numeric (any signed or float type) one-input operators.
    private struct Numeric: NumericVisitor {
        let input: Tensor
        let context: ExecutionContext
        let kind: Kind
        enum Kind { case negate, absolute, sign }
        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            let output = try context.allocate(T.elementType, input.shape)
            let source = input.pointer(as: T.self)
            let destination = output.mutablePointer(as: T.self)
            for i in 0..<input.count {
                let x = source[i]
                switch kind {
                case .negate: destination[i] = T.negated(x)
                case .absolute: destination[i] = T.magnitude(x)
                case .sign: destination[i] = x.isNaNValue ? x : (x > T.zero ? T.one : (x < T.zero ? T.negated(T.one) : T.zero))
                }
            }
            return output
        }
    }

    private static func numeric(_ name: String, _ kind: Numeric.Kind) -> OperatorSchema {
        OperatorSchema(name, since: 6) { _ in
            ClosureOperator { inputs, context in
                let input = try inputs.required(0)
                if input.elementType == .bfloat16 {
                    let widened = Numeric(input: TensorCast.convert(input, to: .float), context: context, kind: kind)
                    return [TensorCast.convert(try ElementType.float.dispatchNumeric(widened, op: name), to: .bfloat16)]
                }
                return [try input.elementType.dispatchNumeric(Numeric(input: input, context: context, kind: kind), op: name)]
            }
        }
    }

    static let schemas: [OperatorSchema] = [
        numeric("Neg", .negate), numeric("Abs", .absolute), numeric("Sign", .sign),
        math("Sqrt", { $0.squareRoot() }, { $0.squareRoot() }),
        math("Exp", { expf($0) }, { exp($0) }),
        math("Log", { logf($0) }, { log($0) }),
        math("Reciprocal", { 1 / $0 }, { 1 / $0 }),
        math("Floor", { $0.rounded(.down) }, { $0.rounded(.down) }),
        math("Ceil", { $0.rounded(.up) }, { $0.rounded(.up) }),
        math("Round", since: 11, { $0.rounded(.toNearestOrEven) }, { $0.rounded(.toNearestOrEven) }),
        math("Sin", since: 7, { sinf($0) }, { sin($0) }),
        math("Cos", since: 7, { cosf($0) }, { cos($0) }),
        math("Tan", since: 7, { tanf($0) }, { tan($0) }),
        math("Asin", since: 7, { asinf($0) }, { asin($0) }),
        math("Acos", since: 7, { acosf($0) }, { acos($0) }),
        math("Atan", since: 7, { atanf($0) }, { atan($0) }),
        math("Sinh", since: 9, { sinhf($0) }, { sinh($0) }),
        math("Cosh", since: 9, { coshf($0) }, { cosh($0) }),
        math("Asinh", since: 9, { asinhf($0) }, { asinh($0) }),
        math("Acosh", since: 9, { acoshf($0) }, { acosh($0) }),
        math("Atanh", since: 9, { atanhf($0) }, { atanh($0) }),
        math("Erf", since: 9, { erff($0) }, { erf($0) }),
        OperatorSchema("IsNaN", since: 9) { _ in
            ClosureOperator { inputs, context in
                let input = try inputs.required(0)
                let values = try floating(input, op: "IsNaN", context: context, { $0.isNaN ? 1 : 0 }, { $0.isNaN ? 1 : 0 })
                return [TensorCast.convert(values, to: .bool, context: context)]
            }
        },
        OperatorSchema("IsInf", since: 10) { context in
            let negative = try context.attributes.int("detect_negative", default: 1) != 0
            let positive = try context.attributes.int("detect_positive", default: 1) != 0
            return ClosureOperator { inputs, run in
                let test: @Sendable (Double) -> Double = { x in
                    x.isInfinite && ((x > 0 && positive) || (x < 0 && negative)) ? 1 : 0
                }
                let values = try floating(inputs.required(0), op: "IsInf", context: run, { Float(test(Double($0))) }, test)
                return [TensorCast.convert(values, to: .bool, context: run)]
            }
        }
    ]
}
