/// Bulk float32 kernels over eight lanes at a time for the softmax family, where exponentials
/// dominate: glibc's `expf` is a call per element and cannot vectorize.
enum VectorMath {
    typealias Lanes = SIMD8<Float>

    /// Σ p[i], in eight lanes twice over so consecutive additions do not wait on each other.
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var a = Lanes()
        var b = Lanes()
        var i = 0
        while i &+ 16 <= n {
            a += load(p + i)
            b += load(p + (i &+ 8))
            i &+= 16
        }
        var total = (a + b).sum()
        while i < n {
            total += p[i]
            i &+= 1
        }
        return total
    }

    /// Σ (p[i] - m)².
    static func squaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, from m: Float) -> Float {
        var a = Lanes()
        var b = Lanes()
        let mean = Lanes(repeating: m)
        var i = 0
        while i &+ 16 <= n {
            let d0 = load(p + i) - mean
            let d1 = load(p + (i &+ 8)) - mean
            a += d0 * d0
            b += d1 * d1
            i &+= 16
        }
        var total = (a + b).sum()
        while i < n {
            total += (p[i] - m) * (p[i] - m)
            i &+= 1
        }
        return total
    }

    /// The largest of `n` values; NaN when any value is NaN.
    static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var best = Lanes(repeating: -.infinity)
        var unordered = SIMDMask<SIMD8<Int32>>()
        while i &+ 8 <= n {
            let v = load(p + i)
            unordered .|= v .!= v
            best.replace(with: v, where: v .> best)
            i &+= 8
        }
        var result = best.max()
        while i < n {
            if p[i] > result || p[i].isNaN { result = p[i] }
            i &+= 1
        }
        return any(unordered) ? .nan : result
    }

    /// `maxima[j] = max(maxima[j], row[j])` for `n` lanes, NaN sticking: one row of a
    /// column-wise maximum.
    static func accumulateMaximum(_ row: UnsafePointer<Float>, into maxima: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i &+ 8 <= n {
            let v = load(row + i)
            var m = load(UnsafePointer(maxima + i))
            m.replace(with: v, where: (v .> m) .| (v .!= v))
            store(m, maxima + i)
            i &+= 8
        }
        while i < n {
            if row[i] > maxima[i] || row[i].isNaN { maxima[i] = row[i] }
            i &+= 1
        }
    }

    /// `out[i] = exp(p[i] - shift)`; returns the sum of the results.
    static func exponentials(_ p: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        var i = 0
        var sum = Lanes()
        let s = Lanes(repeating: shift)
        while i &+ 8 <= n {
            let e = exp(load(p + i) - s)
            store(e, out + i)
            sum += e
            i &+= 8
        }
        var total = sum.sum()
        while i < n {
            let e = expf(p[i] - shift)
            out[i] = e
            total += e
            i &+= 1
        }
        return total
    }

    /// `out[j] = exp(row[j] - shifts[j])` and `sums[j] += out[j]`: one row of a column-wise softmax.
    static func exponentials(
        _ row: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
        shifts: UnsafePointer<Float>, sums: UnsafeMutablePointer<Float>
    ) {
        var i = 0
        while i &+ 8 <= n {
            let e = exp(load(row + i) - load(shifts + i))
            store(e, out + i)
            store(load(UnsafePointer(sums + i)) + e, sums + i)
            i &+= 8
        }
        while i < n {
            let e = expf(row[i] - shifts[i])
            out[i] = e
            sums[i] += e
            i &+= 1
        }
    }

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    @inline(__always) private static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    }

    /// e^x to about 2 ulp (Cephes' polynomial on x - n·ln2 with n = round(x·log2 e), then scaled
    /// by 2^n through the exponent bits). Results below 2^-126 flush to about 1e-38 rather than 0,
    /// far under any tolerance; NaN stays NaN.
    @inline(__always) static func exp(_ input: Lanes) -> Lanes {
        var x = input
        x.replace(with: 88.0, where: x .> 88.0)
        x.replace(with: -87.3, where: x .< -87.3)
        // Adding 1.5·2^23 rounds to an integer and leaves it in the low mantissa bits.
        let magic = Lanes(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let r = x - n * 0.693_359_375 - n * -2.121_944_4e-4
        var p = Lanes(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * (r * r) + r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        var result = p * unsafeBitCast(exponent, to: Lanes.self)
        result.replace(with: input, where: input .!= input)
        return result
    }
}
