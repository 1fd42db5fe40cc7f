/// A complex discrete Fourier transform of one length `n`, in place:
/// `X[k] = scale · Σ_t x[t] · e^(∓2πi·kt/n)` (minus forward, plus inverse).
///
/// Lengths made of 2s, 3s and 5s (all the usual frame sizes: 256, 400, 512...) run the
/// mixed-radix FFT in the signal's precision. Other lengths use Bluestein's chirp-z algorithm in
/// float64, which rewrites the transform as a convolution done with power-of-two FFTs, so every
/// length costs O(n log n).
final class FourierTransform<T: BinaryFloatingPoint> {
    typealias C = FFTComplex<T>

    let length: Int
    private let direct: MixedRadixFFT<T>?
    private let chirp: Bluestein?

    init(length n: Int) {
        length = n
        if MixedRadixFFT<T>.supports(n) {
            direct = MixedRadixFFT(length: n)
            chirp = nil
        } else {
            direct = nil
            chirp = Bluestein(length: n)
        }
    }

    /// `scratch` must hold `length` values.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run(_ c: UnsafeMutablePointer<C>, scratch: UnsafeMutablePointer<C>, inverse: Bool, scale: T) {
        if let direct {
            direct.run(c, scratch: scratch, inverse: inverse, scale: scale)
        } else if let chirp {
            chirp.run(c, inverse: inverse, scale: Double(scale))
        }
    }

    /// Bluestein: with `w[k] = e^(-πi·k²/n)`, `X[k] = w[k] · Σ_t (x[t]·w[t]) · conj(w[k-t])`,
    /// a convolution done by FFTs of a power-of-two length m ≥ 2n - 1.
    private struct Bluestein {
        typealias D = FFTComplex<Double>
        let length: Int
        let fft: MixedRadixFFT<Double>
        let chirp: [D]
        /// FFT of the conjugate chirp laid out for circular convolution, pre-scaled by 1/m.
        let kernel: [D]

        init(length n: Int) {
            length = n
            var m = 1
            while m < 2 * n - 1 { m <<= 1 }
            fft = MixedRadixFFT(length: m)
            // k² mod 2n keeps the angle exact for long transforms (n is bounded by FourierLines).
            let chirp = (0..<n).map { k in
                let angle = Double.pi * Double((k * k) % (2 * n)) / Double(n)
                return D(cos(angle), -sin(angle))
            }
            var kernel = [D](repeating: D(0, 0), count: m)
            for k in 0..<n {
                kernel[k] = D(chirp[k].r, -chirp[k].i)
                if k > 0 { kernel[m - k] = kernel[k] }
            }
            let fft = self.fft
            kernel.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let scratch = UnsafeMutablePointer<D>.allocate(capacity: m)
                defer { scratch.deallocate() }
                fft.run(base, scratch: scratch, inverse: false, scale: 1 / Double(m))
            }
            self.chirp = chirp
            self.kernel = kernel
        }

        func run(_ c: UnsafeMutablePointer<C>, inverse: Bool, scale: Double) {
            let n = length
            let m = fft.length
            // The inverse is the conjugate of the forward transform of the conjugate.
            let sign: Double = inverse ? -1 : 1
            let work = UnsafeMutablePointer<D>.allocate(capacity: 2 * m)
            defer { work.deallocate() }
            let scratch = work + m
            work.initialize(repeating: D(0, 0), count: 2 * m)
            for k in 0..<n {
                let x = D(Double(c[k].r), sign * Double(c[k].i))
                let w = chirp[k]
                work[k] = D(x.r * w.r - x.i * w.i, x.r * w.i + x.i * w.r)
            }
            fft.run(work, scratch: scratch, inverse: false, scale: 1)
            for k in 0..<m {
                let a = work[k]
                let b = kernel[k]
                work[k] = D(a.r * b.r - a.i * b.i, a.r * b.i + a.i * b.r)
            }
            fft.run(work, scratch: scratch, inverse: true, scale: 1)
            for k in 0..<n {
                let a = work[k]
                let w = chirp[k]
                c[k] = FFTComplex(T((a.r * w.r - a.i * w.i) * scale), T(sign * (a.r * w.i + a.i * w.r) * scale))
            }
        }
    }
}
