/// Scaled dot-product attention of one (batch, query head) pair in float32:
/// `Y = softmax(softcap(alpha · Q·Kᵀ) + bias) · V`, both products through SGEMM.
///
/// Operands are strided row views (features contiguous, rows `rowStride` apart), so packed 3-D
/// inputs, 4-D inputs and the concatenated KV cache are all read in place.
enum AttentionKernel {
    struct Settings {
        /// The scale of Q·Kᵀ (the operator's `scale`, or 1/√headSize).
        let alpha: Float
        /// `softcap · tanh(x / softcap)` when positive.
        let softcap: Float
        /// What `qk` receives: 0 raw scores, 1 after softcap, 2 after the bias, 3 probabilities.
        let qkMode: Int
        /// A 16-bit type the scores are rounded to around the softmax (`softmax_precision`, or a
        /// 16-bit input type), so results track a model computed at that precision.
        let softmaxRounding: ElementType?
        /// A 16-bit input type the probabilities are rounded to before P·V.
        let probabilityRounding: ElementType?
    }

    struct Operands {
        let q: UnsafePointer<Float>, qRowStride: Int
        let k: UnsafePointer<Float>, kRowStride: Int
        let v: UnsafePointer<Float>, vRowStride: Int
        let y: UnsafeMutablePointer<Float>, yRowStride: Int
        /// `[queries, keys]`, contiguous; nil when the node does not ask for it.
        let qk: UnsafeMutablePointer<Float>?
    }

    /// `scores` is `[queries, keys]` scratch; `bias` the same shape, or nil for an all-zero bias.
    static func run(
        _ operands: Operands, queries: Int, keys: Int, headSize: Int, valueSize: Int,
        settings: Settings, bias: UnsafePointer<Float>?, scores: UnsafeMutablePointer<Float>
    ) {
        let count = queries &* keys
        Sgemm.multiply(
            m: queries, n: keys, k: headSize,
            a: FloatMatrix(base: operands.q, rowStride: operands.qRowStride, columnStride: 1),
            b: FloatMatrix(base: operands.k, rowStride: 1, columnStride: operands.kRowStride),
            c: scores, ldc: keys, alpha: settings.alpha)
        let qk = operands.qk
        if settings.qkMode == 0, let qk { qk.update(from: scores, count: count) }
        if settings.softcap > 0 {
            let cap = settings.softcap
            for index in 0..<count { scores[index] = cap * tanhf(scores[index] / cap) }
        }
        if settings.qkMode == 1, let qk { qk.update(from: scores, count: count) }
        if let bias {
            for index in 0..<count { scores[index] += bias[index] }
        }
        if settings.qkMode == 2, let qk { qk.update(from: scores, count: count) }
        if let type = settings.softmaxRounding { round(scores, count, to: type) }
        for i in 0..<queries {
            // A row whose bias forbids every key has nothing to attend: it is zero, not NaN,
            // whatever the scores hold (decided on the bias, as the specification does).
            let masked = bias.map { keys > 0 && VectorMath.maximum($0 + i &* keys, keys) == -.infinity } ?? false
            if let type = settings.softmaxRounding {
                softmaxRow(scores + i &* keys, keys, masked: masked, roundingTo: type)
            } else {
                softmaxRow(scores + i &* keys, keys, masked: masked)
            }
        }
        if let type = settings.probabilityRounding { round(scores, count, to: type) }
        if settings.qkMode == 3, let qk { qk.update(from: scores, count: count) }
        Sgemm.multiply(
            m: queries, n: valueSize, k: keys,
            a: FloatMatrix(scores, leading: keys),
            b: FloatMatrix(base: operands.v, rowStride: operands.vRowStride, columnStride: 1),
            c: operands.y, ldc: operands.yRowStride)
    }

    /// Softmax of one row in place. A row that is all -inf gives zeros (exp(-inf) is 0 and the
    /// empty sum is taken as 1), as does a masked row.
    @inline(__always)
    private static func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ n: Int, masked: Bool) {
        let maximum = n > 0 ? VectorMath.maximum(row, n) : -.infinity
        if masked || maximum == -.infinity {
            row.update(repeating: 0, count: n)
            return
        }
        let sum = VectorMath.exponentials(row, row, n, shift: maximum)
        let inverse = 1 / sum
        for j in 0..<n { row[j] *= inverse }
    }

    /// Softmax of one row as a 16-bit computation gives it: each exponential, the sum and each
    /// quotient rounded to `type`, which is where its error comes from.
    private static func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ n: Int, masked: Bool, roundingTo type: ElementType) {
        let maximum = n > 0 ? VectorMath.maximum(row, n) : -.infinity
        if masked || maximum == -.infinity {
            row.update(repeating: 0, count: n)
            return
        }
        for j in 0..<n { row[j] = row[j] - maximum }
        round(row, n, to: type)
        for j in 0..<n { row[j] = expf(row[j]) }
        round(row, n, to: type)
        var sum: Float = 0
        for j in 0..<n { sum += row[j] }
        round(&sum, 1, to: type)
        for j in 0..<n { row[j] /= sum }
        round(row, n, to: type)
    }

    /// Rounds float32 values to the nearest `type` value (float16 or bfloat16), kept as float32.
    static func round(_ values: UnsafeMutablePointer<Float>, _ n: Int, to type: ElementType) {
        switch type {
        case .float16: for i in 0..<n { values[i] = Float(Float16(values[i])) }
        case .bfloat16: for i in 0..<n { values[i] = BFloat16(values[i]).floatValue }
        default: break
        }
    }
}
