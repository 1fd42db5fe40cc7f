#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a float32 Conv does to its output before anyone reads it: a per-channel multiply-add (a
/// BatchNormalization folded in at load) and then an activation. Applied plane by plane while the
/// output is still in cache, it replaces separate operators that would each sweep the whole
/// tensor again and allocate another one.
struct ConvEpilogue: Sendable {
    enum Activation: Sendable, Equatable {
        case relu
        case clip(low: Float, high: Float)
        case leakyRelu(alpha: Float)
        case hardSigmoid(alpha: Float, beta: Float)
        case hardSwish
        case sigmoid

        /// The operator name the profiler shows for the fused step.
        var name: String {
            switch self {
            case .relu: "Relu"
            case .clip: "Clip"
            case .leakyRelu: "LeakyRelu"
            case .hardSigmoid: "HardSigmoid"
            case .hardSwish: "HardSwish"
            case .sigmoid: "Sigmoid"
            }
        }
    }

    /// Per output channel: `y = y * scale[c] + shift[c]`.
    var scale: [Float]?
    var shift: [Float]?
    var activation: Activation?

    /// Applies the epilogue to `output` ([batch, channels, positions]), splitting planes over threads.
    func apply(to output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, positions: Int, context: ExecutionContext) {
        context.forEachRange(batch * channels, minimumPerThread: max(1, ExecutionContext.elementsPerThread / max(positions, 1))) { planes in
            for plane in planes {
                let channel = plane % channels
                apply(to: output + plane * positions, count: positions,
                      scale: scale?[channel] ?? 1, shift: shift?[channel] ?? 0, affine: scale != nil)
            }
        }
    }

    private func apply(to values: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float, affine: Bool) {
        if affine {
            for i in 0..<count { values[i] = values[i] * scale + shift }
        }
        switch activation {
        case nil: break
        case .relu: for i in 0..<count { values[i] = max(values[i], 0) }
        case .clip(let low, let high):
            // Clip's rule: min(max(x, low), high), and NaN stays NaN.
            for i in 0..<count {
                let x = values[i]
                values[i] = x.isNaN ? x : min(max(x, low), high)
            }
        case .leakyRelu(let alpha): for i in 0..<count { values[i] = values[i] < 0 ? values[i] * alpha : values[i] }
        case .hardSigmoid(let alpha, let beta): for i in 0..<count { values[i] = max(0, min(1, alpha * values[i] + beta)) }
        case .hardSwish: for i in 0..<count { values[i] = values[i] * max(0, min(1, values[i] / 6 + 0.5)) }
        case .sigmoid: for i in 0..<count { values[i] = 1 / (1 + expf(-values[i])) }
        }
    }
}
