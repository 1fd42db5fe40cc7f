/// The 1-D lines a transform along `axis` visits: input [outer, length, inner, components] and
/// output [outer, outputLength, inner, 1 or 2], in element offsets.
struct FourierLines {
    /// Longest transform accepted (4M points). Bluestein works on up to 8n points, so this keeps
    /// its scratch under 1 GiB however large a `dft_length` a model asks for.
    static let maximumLength = 1 << 22

    let outer: Int, inner: Int
    let inputLine: Int, outputLine: Int
    let inputStride: Int, outputStride: Int
    let inputComponents: Int, outputComponents: Int

    init(shape: [Int], axis: Int, outputLength: Int, realOutput: Bool) {
        outer = shape[..<axis].reduce(1, *)
        inner = shape[(axis + 1)..<(shape.count - 1)].reduce(1, *)
        inputComponents = shape[shape.count - 1]
        outputComponents = realOutput ? 1 : 2
        inputStride = inner * inputComponents
        outputStride = inner * outputComponents
        inputLine = shape[axis] * inputStride
        outputLine = outputLength * outputStride
    }

    func forEachLine(_ body: (_ inputBase: Int, _ outputBase: Int) -> Void) {
        for o in 0..<outer {
            for i in 0..<inner {
                body(o * inputLine + i * inputComponents, o * outputLine + i * outputComponents)
            }
        }
    }
}

/// One transform's working memory: the padded or truncated signal, transformed in place.
struct FourierBuffer<T: BinaryFloatingPoint> {
    let length: Int
    let values: UnsafeMutablePointer<FFTComplex<T>>
    private let scratch: UnsafeMutablePointer<FFTComplex<T>>

    init(length: Int) {
        self.length = length
        values = .allocate(capacity: 2 * length)
        scratch = values + length
    }

    func deallocate() { values.deallocate() }

    /// The first `length` samples of a line of `available` (zeros past its end), each scaled by
    /// `window[t]` when given (STFT).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func load(_ line: UnsafePointer<T>, available: Int, stride: Int, complex: Bool, window: UnsafePointer<T>? = nil) {
        values.initialize(repeating: FFTComplex(0, 0), count: length)
        for t in 0..<min(available, length) {
            let w = window?[t] ?? 1
            values[t] = FFTComplex(line[t &* stride] * w, complex ? line[t &* stride &+ 1] * w : 0)
        }
    }

    /// The full Hermitian spectrum of a real signal from its first half, as numpy's irfft reads
    /// it: bins past the input are zero, and the imaginary parts of the DC and (even length)
    /// Nyquist bins are ignored.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func loadHermitian(_ line: UnsafePointer<T>, available: Int, stride: Int, complex: Bool) {
        values.initialize(repeating: FFTComplex(0, 0), count: length)
        let half = length / 2
        for k in 0...half where k < available {
            values[k] = FFTComplex(line[k &* stride], complex ? line[k &* stride &+ 1] : 0)
        }
        values[0].i = 0
        if length % 2 == 0 { values[half].i = 0 }
        for k in 1..<((length + 1) / 2) { values[length - k] = FFTComplex(values[k].r, -values[k].i) }
    }

    func transform(_ plan: FourierTransform<T>, inverse: Bool, scale: T) {
        plan.run(values, scratch: scratch, inverse: inverse, scale: scale)
    }

    /// The first `count` bins; only the real parts when not `complex`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func store(_ line: UnsafeMutablePointer<T>, count: Int, stride: Int, complex: Bool) {
        for k in 0..<count {
            line[k &* stride] = values[k].r
            if complex { line[k &* stride &+ 1] = values[k].i }
        }
    }
}
