import CKernels

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
        /// x * sigmoid(x) (SiLU), as exporters write it: Mul(x, Sigmoid(x)).
        case swish

        /// The operator name the profiler shows for the fused step.
        var name: String {
            switch self {
            case .relu: "Relu"
            case .clip: "Clip"
            case .leakyRelu: "LeakyRelu"
            case .hardSigmoid: "HardSigmoid"
            case .hardSwish: "HardSwish"
            case .sigmoid: "Sigmoid"
            case .swish: "Swish"
            }
        }
    }

    /// Per output channel: `y = y * scale[c] + shift[c]` (a missing scale is 1: a bias alone).
    var scale: [Float]?
    var shift: [Float]?
    var activation: Activation?

    /// Channels the per-channel step was built for, nil when there is none.
    var channels: Int? { scale?.count ?? shift?.count }

    /// Applies the epilogue to `output` ([batch, channels, positions]), splitting planes over threads.
    func apply(to output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, positions: Int, context: ExecutionContext) {
        context.forEachRange(batch * channels, minimumPerThread: max(1, ExecutionContext.elementsPerThread / max(positions, 1)), granularity: 1) { planes in
            for plane in planes {
                let channel = plane % channels
                apply(
                    to: output + plane * positions, count: positions,
                    scale: scale?[channel] ?? 1, shift: shift?[channel] ?? 0, affine: scale != nil || shift != nil)
            }
        }
    }

    private func apply(to values: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float, affine: Bool) {
        Activation.apply(activation, to: values, count: count, scale: scale, shift: shift, affine: affine)
    }
}

extension ConvEpilogue.Activation {
    /// `activation(values * scale + shift)` in place (the multiply-add only when `affine`), in the C kernels; also
    /// what a DequantizeLinear with an activation fused into it runs on its output.
    static func apply(
        _ activation: Self?, to values: UnsafeMutablePointer<Float>, count: Int, scale: Float = 1, shift: Float = 0, affine: Bool = false
    ) {
        let (kind, p1, p2): (Int32, Float, Float)
        switch activation {
        case nil, .sigmoid, .swish: (kind, p1, p2) = (Int32(CK_ACTIVATION_NONE), 0, 0)
        case .relu: (kind, p1, p2) = (Int32(CK_ACTIVATION_RELU), 0, 0)
        case .clip(let low, let high): (kind, p1, p2) = (Int32(CK_ACTIVATION_CLIP), low, high)
        case .leakyRelu(let alpha): (kind, p1, p2) = (Int32(CK_ACTIVATION_LEAKY_RELU), alpha, 0)
        case .hardSigmoid(let alpha, let beta): (kind, p1, p2) = (Int32(CK_ACTIVATION_HARD_SIGMOID), alpha, beta)
        case .hardSwish: (kind, p1, p2) = (Int32(CK_ACTIVATION_HARD_SWISH), 0, 0)
        }
        if affine || kind != Int32(CK_ACTIVATION_NONE) { ck_conv_epilogue(values, count, scale, shift, affine ? 1 : 0, kind, p1, p2) }
        if case .sigmoid = activation { ck_sigmoid(values, values, count) }
        if case .swish = activation { ck_swish(values, values, count) }
    }
}
