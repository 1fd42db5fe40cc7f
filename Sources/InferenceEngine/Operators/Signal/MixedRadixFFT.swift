/// A complex value stored as (real, imaginary) pairs, the layout the transforms work in.
struct FFTComplex<T: BinaryFloatingPoint> {
    var r: T
    var i: T

    @inline(__always) init(_ r: T, _ i: T) {
        self.r = r
        self.i = i
    }

    @inline(__always) static func + (a: Self, b: Self) -> Self { Self(a.r + b.r, a.i + b.i) }
    @inline(__always) static func - (a: Self, b: Self) -> Self { Self(a.r - b.r, a.i - b.i) }
    @inline(__always) static func * (a: Self, s: T) -> Self { Self(a.r * s, a.i * s) }

    /// Times `w` (inverse) or times conj(`w`) (forward).
    @inline(__always) func twiddled(_ w: Self, inverse: Bool) -> Self {
        inverse ? Self(r * w.r - i * w.i, r * w.i + i * w.r) : Self(r * w.r + i * w.i, i * w.r - r * w.i)
    }

    /// Times i (inverse) or -i (forward).
    @inline(__always) func rotated(inverse: Bool) -> Self { inverse ? Self(-i, r) : Self(i, -r) }
}

/// Cooley–Tukey FFT for lengths whose prime factors are 2, 3 and 5, in the precision of `T`.
///
/// It follows pocketfft's complex transform (numpy's FFT) operation for operation: the same
/// factor order (4s, then one 2 moved to the front, then 3s and 5s), the same butterflies and
/// the same twiddle tables. A float32 transform therefore rounds as numpy's does, which matters
/// where the exact result is 0 and only rounding noise remains: ONNX's inverse-DFT test data
/// (numpy, float32) holds such noise above the absolute tolerance of 1e-7.
struct MixedRadixFFT<T: BinaryFloatingPoint> {
    typealias C = FFTComplex<T>

    let length: Int
    private let factors: [Int]
    /// Twiddles of each pass: factor k uses entries `offsets[k] + (j - 1) * (ido - 1) + i - 1`.
    private let twiddles: [C]
    private let offsets: [Int]

    /// Whether `n` factors into 2, 3 and 5 only.
    static func supports(_ n: Int) -> Bool {
        guard n >= 1 else { return false }
        var m = n
        for p in [2, 3, 5] { while m % p == 0 { m /= p } }
        return m == 1
    }

    /// `n` must satisfy `supports`.
    init(length n: Int) {
        length = n
        var factors: [Int] = []
        var m = n
        while m & 3 == 0 {
            factors.append(4)
            m >>= 2
        }
        if m & 1 == 0 {
            m >>= 1
            factors.append(2)
            factors.swapAt(0, factors.count - 1)
        }
        for p in [3, 5] {
            while m % p == 0 {
                factors.append(p)
                m /= p
            }
        }
        self.factors = factors
        // e^(2πi·k/n), computed in float64 and rounded once, as pocketfft does for float32.
        let step = 2 * Double.pi / Double(n)
        var twiddles: [C] = []
        var offsets: [Int] = []
        var l1 = 1
        for ip in factors {
            let ido = n / (l1 * ip)
            offsets.append(twiddles.count)
            for j in 1..<ip {
                for i in 1..<max(ido, 1) {
                    let angle = step * Double(j * l1 * i)
                    twiddles.append(C(T(cos(angle)), T(sin(angle))))
                }
            }
            l1 *= ip
        }
        // One spare entry so the table is never empty and always has a base address.
        twiddles.append(C(1, 0))
        self.twiddles = twiddles
        self.offsets = offsets
    }

    /// Transforms `c` in place and multiplies the result by `scale`; `scratch` holds `length` values.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ c: UnsafeMutablePointer<C>, scratch: UnsafeMutablePointer<C>, inverse: Bool, scale: T) {
        if length == 1 {
            c[0] = c[0] * scale
            return
        }
        var p1 = c
        var p2 = scratch
        var l1 = 1
        twiddles.withUnsafeBufferPointer { table in
            guard let base = table.baseAddress else { return }
            for (k, ip) in factors.enumerated() {
                let ido = length / (l1 * ip)
                let wa = base + offsets[k]
                switch ip {
                case 4: pass4(ido, l1, p1, p2, wa, inverse)
                case 2: pass2(ido, l1, p1, p2, wa, inverse)
                case 3: pass3(ido, l1, p1, p2, wa, inverse)
                default: pass5(ido, l1, p1, p2, wa, inverse)
                }
                swap(&p1, &p2)
                l1 *= ip
            }
        }
        if p1 != c {
            if scale != 1 {
                for i in 0..<length { c[i] = p1[i] * scale }
            } else {
                c.update(from: p1, count: length)
            }
        } else if scale != 1 {
            for i in 0..<length { c[i] = c[i] * scale }
        }
    }

    // The passes read cc[i + ido * (j + cdim * k)] and write ch[i + ido * (k + l1 * j)].

    @inline(__always)
    private func pass2(
        _ ido: Int, _ l1: Int, _ cc: UnsafeMutablePointer<C>, _ ch: UnsafeMutablePointer<C>,
        _ wa: UnsafePointer<C>, _ inverse: Bool
    ) {
        for k in 0..<l1 {
            let input = cc + ido &* 2 &* k
            let output = ch + ido &* k
            let stride = ido &* l1
            output[0] = input[0] + input[ido]
            output[stride] = input[0] - input[ido]
            for i in 1..<max(ido, 1) {
                output[i] = input[i] + input[i &+ ido]
                output[i &+ stride] = (input[i] - input[i &+ ido]).twiddled(wa[i &- 1], inverse: inverse)
            }
        }
    }

    @inline(__always)
    private func pass3(
        _ ido: Int, _ l1: Int, _ cc: UnsafeMutablePointer<C>, _ ch: UnsafeMutablePointer<C>,
        _ wa: UnsafePointer<C>, _ inverse: Bool
    ) {
        let twr = T(-0.5)
        let twi = (inverse ? 1 : -1) * T(0.8660254037844386467637231707529362)
        let stride = ido &* l1
        let w = ido &- 1
        for k in 0..<l1 {
            let input = cc + ido &* 3 &* k
            let output = ch + ido &* k
            for i in 0..<ido {
                let t0 = input[i]
                let t1 = input[i &+ ido] + input[i &+ 2 &* ido]
                let t2 = input[i &+ ido] - input[i &+ 2 &* ido]
                output[i] = t0 + t1
                let ca = t0 + t1 * twr
                let cb = (t2 * twi).rotated(inverse: true)
                if i == 0 {
                    output[stride] = ca + cb
                    output[2 &* stride] = ca - cb
                } else {
                    output[i &+ stride] = (ca + cb).twiddled(wa[i &- 1], inverse: inverse)
                    output[i &+ 2 &* stride] = (ca - cb).twiddled(wa[i &- 1 &+ w], inverse: inverse)
                }
            }
        }
    }

    @inline(__always)
    private func pass4(
        _ ido: Int, _ l1: Int, _ cc: UnsafeMutablePointer<C>, _ ch: UnsafeMutablePointer<C>,
        _ wa: UnsafePointer<C>, _ inverse: Bool
    ) {
        let stride = ido &* l1
        let w = ido &- 1
        for k in 0..<l1 {
            let input = cc + ido &* 4 &* k
            let output = ch + ido &* k
            for i in 0..<ido {
                let c0 = input[i]
                let c1 = input[i &+ ido]
                let c2 = input[i &+ 2 &* ido]
                let c3 = input[i &+ 3 &* ido]
                let t2 = c0 + c2
                let t1 = c0 - c2
                let t3 = c1 + c3
                let t4 = (c1 - c3).rotated(inverse: inverse)
                output[i] = t2 + t3
                if i == 0 {
                    output[2 &* stride] = t2 - t3
                    output[stride] = t1 + t4
                    output[3 &* stride] = t1 - t4
                } else {
                    let d3 = t2 - t3
                    let d2 = t1 + t4
                    let d4 = t1 - t4
                    output[i &+ stride] = d2.twiddled(wa[i &- 1], inverse: inverse)
                    output[i &+ 2 &* stride] = d3.twiddled(wa[i &- 1 &+ w], inverse: inverse)
                    output[i &+ 3 &* stride] = d4.twiddled(wa[i &- 1 &+ 2 &* w], inverse: inverse)
                }
            }
        }
    }

    @inline(__always)
    private func pass5(
        _ ido: Int, _ l1: Int, _ cc: UnsafeMutablePointer<C>, _ ch: UnsafeMutablePointer<C>,
        _ wa: UnsafePointer<C>, _ inverse: Bool
    ) {
        let sign: T = inverse ? 1 : -1
        let tw1r = T(0.3090169943749474241022934171828191)
        let tw1i = sign * T(0.9510565162951535721164393333793821)
        let tw2r = T(-0.8090169943749474241022934171828191)
        let tw2i = sign * T(0.5877852522924731291687059546390728)
        let stride = ido &* l1
        let w = ido &- 1
        for k in 0..<l1 {
            let input = cc + ido &* 5 &* k
            let output = ch + ido &* k
            for i in 0..<ido {
                let t0 = input[i]
                let t1 = input[i &+ ido] + input[i &+ 4 &* ido]
                let t4 = input[i &+ ido] - input[i &+ 4 &* ido]
                let t2 = input[i &+ 2 &* ido] + input[i &+ 3 &* ido]
                let t3 = input[i &+ 2 &* ido] - input[i &+ 3 &* ido]
                output[i] = C(t0.r + t1.r + t2.r, t0.i + t1.i + t2.i)
                // Outputs 1 and 4, then 2 and 3 (whose sine terms take tw1i with a minus sign).
                @inline(__always) func outputs(_ u1: Int, _ ar: T, _ br: T, _ ai: T, _ bi: T) {
                    let ca = C(t0.r + ar * t1.r + br * t2.r, t0.i + ar * t1.i + br * t2.i)
                    let cb = C(-(ai * t4.i + bi * t3.i), ai * t4.r + bi * t3.r)
                    let u2 = 5 &- u1
                    if i == 0 {
                        output[u1 &* stride] = ca + cb
                        output[u2 &* stride] = ca - cb
                    } else {
                        output[i &+ u1 &* stride] = (ca + cb).twiddled(wa[i &- 1 &+ (u1 &- 1) &* w], inverse: inverse)
                        output[i &+ u2 &* stride] = (ca - cb).twiddled(wa[i &- 1 &+ (u2 &- 1) &* w], inverse: inverse)
                    }
                }
                outputs(1, tw1r, tw2r, tw1i, tw2i)
                outputs(2, tw2r, tw1r, tw2i, -tw1i)
            }
        }
    }
}
