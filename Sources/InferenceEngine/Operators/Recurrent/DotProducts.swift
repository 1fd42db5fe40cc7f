/// Matrix products in the form recurrent layers need: `C += A · Bᵀ`, where B's rows are weight
/// rows exactly as ONNX stores them ([gates·hidden, input] and [gates·hidden, hidden]), so
/// no weight is transposed or copied per run. Each output is a dot product of two contiguous rows,
/// vectorised eight lanes wide; four B rows share every load of the A row.
enum DotProducts {
    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// `c[i·ldc + j] += Σₚ a[i·lda + p] · b[j·ldb + p]` for i < m, j < n, p < k.
    static func addProducts(
        m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, lda: Int,
        _ b: UnsafePointer<Float>, ldb: Int,
        _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let vectorEnd = k & ~7
        for i in 0..<m {
            let row = a + i &* lda
            let out = c + i &* ldc
            var j = 0
            while j &+ 4 <= n {
                let b0 = b + j &* ldb
                let b1 = b0 + ldb
                let b2 = b1 + ldb
                let b3 = b2 + ldb
                var s0 = SIMD8<Float>()
                var s1 = SIMD8<Float>()
                var s2 = SIMD8<Float>()
                var s3 = SIMD8<Float>()
                var p = 0
                while p < vectorEnd {
                    let x = load(row + p)
                    s0 += x * load(b0 + p)
                    s1 += x * load(b1 + p)
                    s2 += x * load(b2 + p)
                    s3 += x * load(b3 + p)
                    p &+= 8
                }
                var t0 = s0.sum()
                var t1 = s1.sum()
                var t2 = s2.sum()
                var t3 = s3.sum()
                while p < k {
                    let x = row[p]
                    t0 += x * b0[p]
                    t1 += x * b1[p]
                    t2 += x * b2[p]
                    t3 += x * b3[p]
                    p &+= 1
                }
                out[j] += t0
                out[j &+ 1] += t1
                out[j &+ 2] += t2
                out[j &+ 3] += t3
                j &+= 4
            }
            while j < n {
                let b0 = b + j &* ldb
                var s0 = SIMD8<Float>()
                var p = 0
                while p < vectorEnd {
                    s0 += load(row + p) * load(b0 + p)
                    p &+= 8
                }
                var t0 = s0.sum()
                while p < k {
                    t0 += row[p] * b0[p]
                    p &+= 1
                }
                out[j] += t0
                j &+= 1
            }
        }
    }
}
