/// How GridSample (and DeformConv, which is bilinear GridSample in pixel space) reads one axis of
/// an image at a fractional coordinate: which pixels contribute and with what weight. Sampling in
/// several axes is the tensor product of the per-axis taps.
///
/// Follows the ONNX reference (itself PyTorch's GridSampler.h) step by step, in float32 as it
/// does, because nearest sampling and reflection are sensitive to the exact rounding.
struct AxisSampler: Sendable {
    enum Mode: Sendable {
        case nearest, linear, cubic

        /// Pixels read per axis.
        var taps: Int {
            switch self {
            case .nearest: 1
            case .linear: 2
            case .cubic: 4
            }
        }
    }

    enum Padding: String, Sendable { case zeros, border, reflection }

    let mode: Mode
    let padding: Padding
    /// Whether -1 and 1 address the centers of the corner pixels (true) or their outer edges.
    let alignCorners: Bool

    /// The index marking a tap that reads zero padding.
    static let outside = -1

    /// Pixel coordinate of a normalized [-1, 1] coordinate on an axis of `length` pixels.
    @inline(__always) func denormalize(_ normalized: Float, length: Int) -> Float {
        let size = Float(length)
        return alignCorners ? (normalized + 1) / 2 * (size - 1) : ((normalized + 1) * size - 1) / 2
    }

    /// Writes `mode.taps` pixel indices (`outside` for zero padding) and weights for pixel
    /// coordinate `x` on an axis of `length` pixels. Any `x`, NaN and infinities included, yields
    /// indices inside the axis or `outside`.
    @inline(__always)
    func taps(_ x: Float, length: Int, indices: UnsafeMutablePointer<Int>, weights: UnsafeMutablePointer<Float>) {
        let low: Float = alignCorners ? 0 : -0.5
        let high: Float = alignCorners ? Float(length) - 1 : Float(length) - 0.5
        var x = mode == .nearest ? x.rounded(.toNearestOrEven) : x
        // Far outside the image every padding mode has settled (zeros read nothing, border and
        // reflection map back inside), so bounding x only keeps the integer conversions below safe.
        let limit = Float(length) + 4
        if x.isNaN { x = -limit }
        if x < low || x > high {
            switch padding {
            case .zeros: x = Swift.min(Swift.max(x, -limit), limit)
            case .border: x = Swift.min(Swift.max(x, 0), Float(length) - 1)
            case .reflection: x = Float(Self.reflect(Double(Swift.min(Swift.max(x, -1e7), 1e7)), Double(low), Double(high)))
            }
        }
        switch mode {
        case .nearest:
            indices[0] = pixel(Int(x.rounded(.towardZero)), length: length, low: low, high: high)
            weights[0] = 1
        case .linear:
            let floor = x.rounded(.down)
            let t = Swift.abs(x - floor)
            let first = Int(floor)
            weights[0] = 1 - t
            weights[1] = t
            for i in 0..<2 { indices[i] = pixel(first + i, length: length, low: low, high: high) }
        case .cubic:
            let floor = x.rounded(.down)
            let first = Int(floor) - 1
            Self.cubicCoefficients(Swift.abs(x - floor), into: weights)
            for i in 0..<4 { indices[i] = pixel(first + i, length: length, low: low, high: high) }
        }
    }

    /// The pixel that integer position `i` reads under the padding mode, or `outside`.
    @inline(__always) private func pixel(_ i: Int, length: Int, low: Float, high: Float) -> Int {
        guard length > 0 else { return Self.outside }
        switch padding {
        case .zeros:
            return i >= 0 && i < length ? i : Self.outside
        case .border:
            return Swift.min(Swift.max(i, 0), length - 1)
        case .reflection:
            let reflected = Int(Self.reflect(Double(i), Double(low), Double(high)).rounded(.towardZero))
            return Swift.min(Swift.max(reflected, 0), length - 1)
        }
    }

    /// Mirrors `x` at the nearer border until it lies in [low, high]; `x` must be finite.
    static func reflect(_ x: Double, _ low: Double, _ high: Double) -> Double {
        let range = high - low
        guard range > 0 else { return low }
        if x < low {
            let distance = low - x
            let folds = (distance / range).rounded(.towardZero)
            let rest = distance - folds * range
            return folds.truncatingRemainder(dividingBy: 2) == 0 ? low + rest : high - rest
        }
        if x > high {
            let distance = x - high
            let folds = (distance / range).rounded(.towardZero)
            let rest = distance - folds * range
            return folds.truncatingRemainder(dividingBy: 2) == 0 ? high - rest : low + rest
        }
        return x
    }

    /// Keys' cubic convolution weights (a = -0.75, as PyTorch) of the four pixels around a point
    /// at fraction `t` past the second one.
    @inline(__always) static func cubicCoefficients(_ t: Float, into weights: UnsafeMutablePointer<Float>) {
        let a: Float = -0.75
        let u = t + 1
        let v = 1 - t
        let w = 2 - t
        weights[0] = ((a * u - 5 * a) * u + 8 * a) * u - 4 * a
        weights[1] = ((a + 2) * t - (a + 3)) * t * t + 1
        weights[2] = ((a + 2) * v - (a + 3)) * v * v + 1
        weights[3] = ((a * w - 5 * a) * w + 8 * a) * w - 4 * a
    }
}
