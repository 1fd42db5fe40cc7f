import CKernels

/// Activation functions. Each is a scalar function applied element by element; float16 and
/// bfloat16 compute through float32 (see `UnaryMath.floating`).
enum ActivationOperators {
    static let schemas: [OperatorSchema] = pointwise + [Clip.schema, PRelu.schema]

    /// A float activation whose parameters come from attributes read once at load.
    private static func activation(
        _ name: String, since: Int = 6,
        _ make: @escaping @Sendable (NodeAttributes) throws -> @Sendable (Double) -> Double
    ) -> OperatorSchema {
        OperatorSchema(name, since: since) { context in
            let f = try make(context.attributes)
            return ClosureOperator { inputs, run in
                [try UnaryMath.floating(inputs.required(0), op: name, context: run, { Float(f(Double($0))) }, f)]
            }
        }
    }

    /// A float activation computed in Float for float32 tensors (the common, hot case).
    private static func fast(
        _ name: String, since: Int = 6, _ f: @escaping @Sendable (Float) -> Float,
        _ d: @escaping @Sendable (Double) -> Double, kernel: UnaryMath.FloatKernel? = nil
    ) -> OperatorSchema {
        OperatorSchema(name, since: since) { _ in
            ClosureOperator { inputs, run in [try UnaryMath.floating(inputs.required(0), op: name, context: run, f, d, kernel: kernel)] }
        }
    }

    static let pointwise: [OperatorSchema] = [
        Relu.schema,
        fast("Sigmoid", { x in 1 / (1 + expf(-x)) }, { x in 1 / (1 + exp(-x)) }, kernel: { ck_sigmoid($0, $1, $2) }),
        Tanh.schema,
        fast("Softsign", since: 1, { $0 / (1 + abs($0)) }, { $0 / (1 + abs($0)) }),
        fast("Softplus", since: 1, { x in x > 20 ? x : log1pf(expf(x)) }, { x in x > 30 ? x : log1p(exp(x)) }),
        fast("Mish", since: 18, { x in x * tanhf(x > 20 ? x : log1pf(expf(x))) }, { x in x * tanh(x > 30 ? x : log1p(exp(x))) }),
        fast("HardSwish", since: 14, { x in x * max(0, min(1, x / 6 + 0.5)) }, { x in x * max(0, min(1, x / 6 + 0.5)) }),
        activation("HardSigmoid") { a in
            let alpha = Double(try a.float("alpha", default: 0.2))
            let beta = Double(try a.float("beta", default: 0.5))
            return { x in max(0, min(1, alpha * x + beta)) }
        },
        activation("LeakyRelu") { a in
            let alpha = Double(try a.float("alpha", default: 0.01))
            return { x in x >= 0 ? x : alpha * x }
        },
        activation("Elu") { a in
            let alpha = Double(try a.float("alpha", default: 1))
            return { x in x >= 0 ? x : alpha * (exp(x) - 1) }
        },
        activation("Selu") { a in
            let alpha = Double(try a.float("alpha", default: 1.67326319217681884765625))
            let gamma = Double(try a.float("gamma", default: 1.05070102214813232421875))
            return { x in x > 0 ? gamma * x : gamma * (alpha * exp(x) - alpha) }
        },
        activation("Celu", since: 12) { a in
            let alpha = Double(try a.float("alpha", default: 1))
            return { x in max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) }
        },
        activation("ThresholdedRelu", since: 10) { a in
            let alpha = Double(try a.float("alpha", default: 1))
            return { x in x > alpha ? x : 0 }
        },
        activation("Gelu", since: 20) { a in
            let approximate = try a.string("approximate", default: "none")
            switch approximate {
            case "none": return { x in 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
            case "tanh": return { x in 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
            default: throw EngineError.invalidModel("Gelu node '\(a.nodeName)': approximate must be none or tanh, got \(approximate)")
            }
        },
        activation("Swish", since: 24) { a in
            let alpha = Double(try a.float("alpha", default: 1))
            return { x in x / (1 + exp(-alpha * x)) }
        },
        Shrink.schema
    ]
}
