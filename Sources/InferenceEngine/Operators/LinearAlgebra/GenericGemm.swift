/// `C = A * B` (or `C += A * B` when accumulating) for the element types without a tuned kernel
/// (float64, integers, the int32 accumulators of the quantized operators). Integer arithmetic
/// wraps, as ONNX leaves overflow undefined and a device must not trap on it.
enum GenericGemm {
    static func multiply(
        m: Int, n: Int, k: Int, a: StridedMatrix<Int32>, b: StridedMatrix<Int32>,
        c: UnsafeMutablePointer<Int32>, ldc: Int, accumulate: Bool = false
    ) {
        kernel(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate) { $0 &+ $1 &* $2 }
    }

    static func multiply(
        m: Int, n: Int, k: Int, a: StridedMatrix<Double>, b: StridedMatrix<Double>,
        c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool = false
    ) {
        kernel(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate) { $0 + $1 * $2 }
    }

    @_specialize(where T == Int64)
    static func multiply<T: NumericElement>(
        m: Int, n: Int, k: Int, a: StridedMatrix<T>, b: StridedMatrix<T>,
        c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool = false
    ) {
        if T.self == Int32.self || T.self == Double.self {
            // Route to the concrete kernels above, whose arithmetic inlines.
            let raw = { (p: UnsafePointer<T>) in UnsafeRawPointer(p) }
            if T.self == Int32.self {
                multiply(
                    m: m, n: n, k: k,
                    a: StridedMatrix(base: raw(a.base).assumingMemoryBound(to: Int32.self), rowStride: a.rowStride, columnStride: a.columnStride),
                    b: StridedMatrix(base: raw(b.base).assumingMemoryBound(to: Int32.self), rowStride: b.rowStride, columnStride: b.columnStride),
                    c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Int32.self), ldc: ldc, accumulate: accumulate)
            } else {
                multiply(
                    m: m, n: n, k: k,
                    a: StridedMatrix(base: raw(a.base).assumingMemoryBound(to: Double.self), rowStride: a.rowStride, columnStride: a.columnStride),
                    b: StridedMatrix(base: raw(b.base).assumingMemoryBound(to: Double.self), rowStride: b.rowStride, columnStride: b.columnStride),
                    c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc: ldc, accumulate: accumulate)
            }
            return
        }
        kernel(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate) { T.plus($0, T.times($1, $2)) }
    }

    /// i-p-j order: the innermost loop walks a row of B and a row of C, both contiguous in the
    /// common (non-transposed) case. `multiplyAdd(c, a, b)` is `c + a * b`.
    @inline(__always)
    private static func kernel<T: TensorElement>(
        m: Int, n: Int, k: Int, a: StridedMatrix<T>, b: StridedMatrix<T>,
        c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool,
        _ multiplyAdd: (T, T, T) -> T
    ) {
        for i in 0..<m {
            let row = c + i &* ldc
            if !accumulate { row.update(repeating: T.zero, count: n) }
            for p in 0..<k {
                let scale = a[i, p]
                let source = b.base + p &* b.rowStride
                let step = b.columnStride
                for j in 0..<n { row[j] = multiplyAdd(row[j], scale, source[j &* step]) }
            }
        }
    }
}
