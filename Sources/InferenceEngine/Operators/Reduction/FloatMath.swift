/// Float and Double, the types the softmax, log-sum-exp and normalization kernels compute in
/// natively; float16 and bfloat16 inputs go through float32 (`FloatWidening`). The bulk
/// requirements let float32 run eight-lane loops (`VectorMath`) where float64 stays scalar.
protocol KernelFloat: BinaryFloatingPoint {
    /// Σ p[i].
    static func sum(_ p: UnsafePointer<Self>, _ n: Int) -> Self
    /// Σ (p[i] - m)².
    static func squaredDeviations(_ p: UnsafePointer<Self>, _ n: Int, from m: Self) -> Self
    static func exponential(_ x: Self) -> Self
    static func naturalLog(_ x: Self) -> Self
    /// The largest of `n` values, NaN when any is NaN.
    static func maximum(_ p: UnsafePointer<Self>, _ n: Int) -> Self
    /// `maxima[j] = max(maxima[j], row[j])`, NaN sticking.
    static func accumulateMaximum(_ row: UnsafePointer<Self>, into maxima: UnsafeMutablePointer<Self>, _ n: Int)
    /// `out[i] = exp(p[i] - shift)`, returning the sum of the results.
    static func exponentials(_ p: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>, _ n: Int, shift: Self) -> Self
    /// `out[j] = exp(row[j] - shifts[j])` and `sums[j] += out[j]`.
    static func exponentials(
        _ row: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>, _ n: Int,
        shifts: UnsafePointer<Self>, sums: UnsafeMutablePointer<Self>)
}

extension Float: KernelFloat {
    @inline(__always) static func exponential(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func naturalLog(_ x: Float) -> Float { logf(x) }
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float { VectorMath.sum(p, n) }
    static func squaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, from m: Float) -> Float {
        VectorMath.squaredDeviations(p, n, from: m)
    }
    static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float { VectorMath.maximum(p, n) }
    static func accumulateMaximum(_ row: UnsafePointer<Float>, into maxima: UnsafeMutablePointer<Float>, _ n: Int) {
        VectorMath.accumulateMaximum(row, into: maxima, n)
    }
    static func exponentials(_ p: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        VectorMath.exponentials(p, out, n, shift: shift)
    }
    static func exponentials(
        _ row: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
        shifts: UnsafePointer<Float>, sums: UnsafeMutablePointer<Float>
    ) {
        VectorMath.exponentials(row, out, n, shifts: shifts, sums: sums)
    }
}

/// Float64 keeps the C library's exp and log: it is rare in models and only needs to be exact.
extension Double: KernelFloat {
    @inline(__always) static func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) static func naturalLog(_ x: Double) -> Double { log(x) }
    static func sum(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = 0.0
        var s1 = 0.0
        var i = 0
        while i &+ 2 <= n {
            s0 += p[i]
            s1 += p[i &+ 1]
            i &+= 2
        }
        return i < n ? s0 + s1 + p[i] : s0 + s1
    }
    static func squaredDeviations(_ p: UnsafePointer<Double>, _ n: Int, from m: Double) -> Double {
        var sum = 0.0
        for i in 0..<n { sum += (p[i] - m) * (p[i] - m) }
        return sum
    }
    static func maximum(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
        var best = -Double.infinity
        for i in 0..<n where p[i] > best || p[i].isNaN {
            best = p[i]
            if best.isNaN { break }
        }
        return best
    }
    static func accumulateMaximum(_ row: UnsafePointer<Double>, into maxima: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 0..<n where row[i] > maxima[i] || row[i].isNaN { maxima[i] = row[i] }
    }
    static func exponentials(_ p: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ n: Int, shift: Double) -> Double {
        var sum = 0.0
        for i in 0..<n {
            out[i] = exp(p[i] - shift)
            sum += out[i]
        }
        return sum
    }
    static func exponentials(
        _ row: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ n: Int,
        shifts: UnsafePointer<Double>, sums: UnsafeMutablePointer<Double>
    ) {
        for i in 0..<n {
            out[i] = exp(row[i] - shifts[i])
            sums[i] += out[i]
        }
    }
}

/// Runs float-only operators on 16-bit float inputs: widens them to float32, runs the float32
/// code, and narrows the results back, so each kernel only comes in Float and Double.
enum FloatWidening {
    static func isNarrow(_ type: ElementType) -> Bool { type == .float16 || type == .bfloat16 }

    /// `body` receives the inputs with every 16-bit float tensor widened to float32; the first
    /// `narrowing` outputs it returns (all when nil) are converted back to `type`.
    static func run(
        _ inputs: [Tensor?], narrowTo type: ElementType, narrowing: Int? = nil, context: ExecutionContext,
        _ body: ([Tensor?]) throws -> [Tensor]
    ) rethrows -> [Tensor] {
        let widened = inputs.map { tensor in
            tensor.map { isNarrow($0.elementType) ? TensorCast.convert($0, to: .float, context: context) : $0 }
        }
        let outputs = try body(widened)
        return outputs.enumerated().map { index, output in
            index < (narrowing ?? outputs.count) ? TensorCast.convert(output, to: type, context: context) : output
        }
    }
}
