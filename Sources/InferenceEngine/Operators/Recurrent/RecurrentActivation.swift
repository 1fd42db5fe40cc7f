/// The activation functions the recurrent operators accept by name (`activations` attribute),
/// with their `activation_alpha` / `activation_beta` parameters. Applied in place over a gate
/// after the optional `clip`, which bounds the gate's pre-activation as onnxruntime does.
struct RecurrentActivation: Sendable {
    enum Kind: String, Sendable {
        case sigmoid, tanh, relu, affine, leakyrelu, thresholdedrelu, scaledtanh, hardsigmoid, elu, softsign, softplus
    }

    let kind: Kind
    let alpha: Float
    let beta: Float

    static let sigmoid = RecurrentActivation(kind: .sigmoid, alpha: 0, beta: 0)
    static let tanh = RecurrentActivation(kind: .tanh, alpha: 0, beta: 0)

    /// Which parameters each function takes, and their defaults when the lists run short.
    private static func parameters(of kind: Kind) -> (alpha: Float?, beta: Float?) {
        switch kind {
        case .affine: (1, 0)
        case .leakyrelu: (0.01, nil)
        case .thresholdedrelu: (1, nil)
        case .scaledtanh: (1, 1)
        case .hardsigmoid: (0.2, 0.5)
        case .elu: (1, nil)
        case .sigmoid, .tanh, .relu, .softsign, .softplus: (nil, nil)
        }
    }

    /// Parses the `activations` attribute. Alphas and betas are consumed in order by the functions
    /// that take them (onnxruntime's reading of the spec), so `["LeakyRelu", "Tanh", "Elu"]` with
    /// alphas `[0.1, 2]` gives LeakyRelu 0.1 and Elu 2.
    static func parse(
        names: [String], alphas: [Float], betas: [Float],
        context: OperatorBuildContext
    ) throws -> [RecurrentActivation] {
        var alphaIndex = 0
        var betaIndex = 0
        return try names.map { name in
            guard let kind = Kind(rawValue: name.lowercased()) else {
                throw context.unsupported("activation '\(name)'")
            }
            let defaults = parameters(of: kind)
            var alpha: Float = 0
            var beta: Float = 0
            if let fallback = defaults.alpha {
                alpha = alphaIndex < alphas.count ? alphas[alphaIndex] : fallback
                alphaIndex += 1
            }
            if let fallback = defaults.beta {
                beta = betaIndex < betas.count ? betas[betaIndex] : fallback
                betaIndex += 1
            }
            return RecurrentActivation(kind: kind, alpha: alpha, beta: beta)
        }
    }

    /// Clips (when `clip` is set) and applies the function to `count` values in place.
    @inline(__always)
    func apply(_ values: UnsafeMutablePointer<Float>, _ count: Int, clip: Float?) {
        if let clip {
            for i in 0..<count { values[i] = Swift.min(Swift.max(values[i], -clip), clip) }
        }
        let a = alpha
        let b = beta
        switch kind {
        case .sigmoid:
            for i in 0..<count { values[i] = 1 / (1 + expf(-values[i])) }
        case .tanh:
            for i in 0..<count { values[i] = tanhf(values[i]) }
        case .relu:
            for i in 0..<count { values[i] = Swift.max(values[i], 0) }
        case .affine:
            for i in 0..<count { values[i] = a * values[i] + b }
        case .leakyrelu:
            for i in 0..<count {
                let x = values[i]
                values[i] = x >= 0 ? x : a * x
            }
        case .thresholdedrelu:
            for i in 0..<count {
                let x = values[i]
                values[i] = x > a ? x : 0
            }
        case .scaledtanh:
            for i in 0..<count { values[i] = a * tanhf(b * values[i]) }
        case .hardsigmoid:
            for i in 0..<count { values[i] = Swift.min(Swift.max(a * values[i] + b, 0), 1) }
        case .elu:
            for i in 0..<count {
                let x = values[i]
                values[i] = x >= 0 ? x : a * (expf(x) - 1)
            }
        case .softsign:
            for i in 0..<count {
                let x = values[i]
                values[i] = x / (1 + Swift.abs(x))
            }
        case .softplus:
            // Above 20, log(1 + eˣ) equals x in float32; computing it would overflow expf.
            for i in 0..<count {
                let x = values[i]
                values[i] = x > 20 ? x : log1pf(expf(x))
            }
        }
    }
}
