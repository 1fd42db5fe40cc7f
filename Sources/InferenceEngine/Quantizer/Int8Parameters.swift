/// The smallest and largest value a tensor took over the calibration samples.
struct ValueRange: Sendable {
    var low = Float.infinity
    var high = -Float.infinity

    mutating func include(_ tensor: Tensor) {
        guard tensor.elementType.isFloatingPoint else { return }
        for value in tensor.floatValues() where value.isFinite {
            low = min(low, value)
            high = max(high, value)
        }
    }

    var isEmpty: Bool { low > high }
}

/// Asymmetric uint8 quantization of an activation: `real = scale * (q - zeroPoint)`, with 0 exactly representable
/// (zero padding and ReLU's floor must come back as 0).
struct ActivationQuantization {
    let scale: Float
    let zeroPoint: UInt8

    init(_ range: ValueRange) {
        let low = range.isEmpty ? 0 : min(range.low, 0)
        let high = range.isEmpty ? 0 : max(range.high, 0)
        // A range too narrow for a normal float scale (or none) quantizes everything to 0: scale 1, zero point 0.
        let width = (high - low) / 255
        guard width >= .leastNormalMagnitude, width.isFinite else {
            (scale, zeroPoint) = (1, 0)
            return
        }
        scale = width
        zeroPoint = UInt8(clamping: Int(min(255, max(0, (-low / scale).rounded()))))
    }
}

/// Symmetric int8 weights with one scale per output channel, `real = scale[c] * q`, q in -127...127: zero stays exact
/// and -128, which has no positive twin, is left out, as onnxruntime's quantizer does. (This engine's integer GEMM
/// widens exactly; onnxruntime on AVX2 without VNNI pairs u8 x s8 products into 16-bit sums that can saturate, which
/// its `reduce_range` avoids with 7-bit values. The publisher measures in this engine only.)
struct ChannelQuantizedWeights {
    let values: [Int8]
    let scales: [Float]

    /// `weights` in memory order, where element `i` belongs to channel `(i / inner) % channels`: `inner` 1 for the
    /// columns of a [K, N] MatMul weight, the kernel size for the output channels of a [M, C, kH, kW] Conv weight.
    init(_ weights: [Float], channels: Int, inner: Int) {
        var largest = [Float](repeating: 0, count: channels)
        for (index, value) in weights.enumerated() where value.isFinite {
            let channel = (index / inner) % channels
            largest[channel] = max(largest[channel], abs(value))
        }
        let scales = largest.map { $0 > 0 ? $0 / 127 : 1 }
        values = weights.enumerated().map { index, value in
            let q = (value / scales[(index / inner) % channels]).rounded()
            return Int8(clamping: Int(q.isFinite ? max(-127, min(127, q)) : 0))
        }
        self.scales = scales
    }
}
