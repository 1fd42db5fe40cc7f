/// `C = A * B` (or `C += A * B` when accumulating) for the element types without a tuned kernel (float64, integers, the int32
/// accumulators of the quantized operators). Integer arithmetic wraps, as ONNX leaves overflow
/// undefined and a device must not trap on it.
enum GenericGemm {
    static func multiply<T: NumericElement>(m: Int, n: Int, k: Int, a: StridedMatrix<T>, b: StridedMatrix<T>,
                                            c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool = false) {
        for i in 0..<m {
            let row = c + i &* ldc
            if !accumulate { row.update(repeating: T.zero, count: n) }
            // i-p-j order: the innermost loop walks a row of B and a row of C, both contiguous
            // in the common (non-transposed) case.
            for p in 0..<k {
                let scale = a[i, p]
                let source = b.base + p &* b.rowStride
                let step = b.columnStride
                for j in 0..<n { row[j] = T.plus(row[j], T.times(scale, source[j &* step])) }
            }
        }
    }
}
