import CKernels

/// A matrix view over borrowed memory: element (i, j) lives at `base[i * rowStride + j * columnStride]`,
/// so a transposed operand is the same memory with its strides swapped and no copy is ever made.
struct StridedMatrix<Element> {
    let base: UnsafePointer<Element>
    let rowStride: Int
    let columnStride: Int

    /// A row-major matrix with `leading` elements between rows, optionally read transposed.
    init(_ base: UnsafePointer<Element>, leading: Int, transposed: Bool = false) {
        self.base = base
        rowStride = transposed ? 1 : leading
        columnStride = transposed ? leading : 1
    }

    init(base: UnsafePointer<Element>, rowStride: Int, columnStride: Int) {
        self.base = base
        self.rowStride = rowStride
        self.columnStride = columnStride
    }

    @inline(__always) subscript(row: Int, column: Int) -> Element { base[row &* rowStride &+ column &* columnStride] }
}

typealias FloatMatrix = StridedMatrix<Float>

/// Single-precision GEMM, `C = alpha * A * B + beta * C` with A [m x k], B [k x n] and C row-major
/// [m x n] (leading dimension `ldc`).
///
/// The structure is the classic Goto/BLIS one: B is packed in `kc x nc` blocks sized for the L2
/// cache, A in `mc x kc` blocks, both laid out as thin panels so the micro-kernel streams them
/// linearly; the micro-kernel keeps an `mr x nr` tile of C in SIMD registers across the whole
/// `kc` loop, which is what turns the memory-bound triple loop into an arithmetic-bound one.
/// Packing also absorbs transposes and arbitrary strides, so callers never copy operands.
/// The micro-kernel itself is C (`CKernels`), picked at run time for the CPU (see `SgemmKernel`).
enum Sgemm {
    static func multiply(
        m: Int, n: Int, k: Int, a: FloatMatrix, b: FloatMatrix,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float = 0,
        kernel: SgemmKernel = .current, context: ExecutionContext? = nil
    ) {
        guard m > 0, n > 0 else { return }
        if let context, context.threads > 1, m > 1, n > 1, m &* n &* k >= parallelThreshold {
            split(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta, kernel: kernel, context: context)
            return
        }
        guard k > 0, alpha != 0 else {
            scale(m: m, n: n, c: c, ldc: ldc, beta: beta)
            return
        }
        if m == 1 || n == 1 {
            // A vector operand leaves no reuse for packing to buy; stream it instead.
            thin(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
            return
        }
        if n <= smallColumns, a.columnStride == 1, k >= 16 {
            // A few columns (a conv over a handful of positions): packing A would cost more than the
            // product, so each row of A is streamed once against B transposed.
            Scratch.with(Float.self, count: n * k) { transposed in
                for j in 0..<n {
                    for p in 0..<k { transposed[j * k + p] = b[p, j] }
                }
                ck_sgemm_small_n(m, n, k, a.base, a.rowStride, transposed, c, ldc, alpha, beta)
            }
            return
        }
        let (mr, nr, kc, mc, nc) = (kernel.mr, kernel.nr, kernel.kc, kernel.mc, kernel.nc)
        // Both panels in one scratch block, each starting on a cache line (scratch blocks are
        // 64-byte aligned), which keeps every vector load of a panel within one line.
        let packedBCount = roundUp(kc * roundUp(min(n, nc), nr), 16)
        Scratch.with(Float.self, count: packedBCount + kc * roundUp(min(m, mc), mr)) { packedB in
            let packedA = packedB + packedBCount
            let wideKernel = kernel.function
            let narrowKernel = kernel.narrow
            // With a single block of A (m <= mc) each packed B value would feed only ceil(m / mr)
            // micro-kernels, so copying B costs about as much as multiplying it: whole panels of a
            // row-major B are read in place instead and only a ragged last panel is packed.
            let inPlaceB = b.columnStride == 1 && m <= mc
            var jc = 0
            while jc < n {
                let ncBlock = min(nc, n - jc)
                let wholePanels = inPlaceB ? ncBlock / nr * nr : 0
                var pc = 0
                while pc < k {
                    let kcBlock = min(kc, k - pc)
                    if wholePanels < ncBlock {
                        packB(
                            b, row: pc, column: jc + wholePanels, k: kcBlock, n: ncBlock - wholePanels, nr: nr,
                            into: packedB + wholePanels * kcBlock)
                    }
                    // The first slice of k applies beta; later slices accumulate into what it wrote.
                    let sliceBeta: Float = pc == 0 ? beta : 1
                    var ic = 0
                    while ic < m {
                        let mcBlock = min(mc, m - ic)
                        packA(a, row: ic, column: pc, m: mcBlock, k: kcBlock, mr: mr, into: packedA)
                        for jr in stride(from: 0, to: ncBlock, by: nr) {
                            let columns = min(nr, ncBlock - jr)
                            let inPlace = jr < wholePanels
                            let panel = inPlace ? b.base + pc * b.rowStride + jc + jr : UnsafePointer(packedB + jr * kcBlock)
                            let ldb = inPlace ? b.rowStride : nr
                            let microKernel = columns * 2 <= nr ? narrowKernel : wideKernel
                            for ir in stride(from: 0, to: mcBlock, by: mr) {
                                let rows = min(mr, mcBlock - ir)
                                microKernel(
                                    kcBlock, packedA + ir * kcBlock, panel, ldb,
                                    c + (ic + ir) * ldc + jc + jr, ldc, rows, columns, alpha, sliceBeta)
                            }
                        }
                        ic += mc
                    }
                    pc += kc
                }
                jc += nc
            }
        }
    }

    /// Column counts the small-N kernel takes instead of the packed one.
    static let smallColumns = Int(ck_sgemm_small_n_max())

    /// Multiply-adds below which waking other threads costs more than it saves: about 10 µs of
    /// work, a few times what handing a loop to a polling worker and waiting for it costs.
    static let parallelThreshold = 1 << 19

    /// Splits C into one block per thread along its longer side (whole micro-tiles each), each an
    /// independent GEMM with its own packing buffers: no synchronisation inside the kernel loops,
    /// at the price of packing the shared operand once per thread.
    private static func split(
        m: Int, n: Int, k: Int, a: FloatMatrix, b: FloatMatrix, c: UnsafeMutablePointer<Float>,
        ldc: Int, alpha: Float, beta: Float, kernel: SgemmKernel, context: ExecutionContext
    ) {
        let threads = context.threads
        let alongN = n >= m
        let extent = alongN ? n : m
        let tile = alongN ? kernel.nr : kernel.mr
        let piece = roundUp((extent + threads - 1) / threads, tile)
        let pieces = (extent + piece - 1) / piece
        context.parallelFor(pieces) { index in
            let start = index * piece
            let length = min(piece, extent - start)
            if alongN {
                multiply(
                    m: m, n: length, k: k, a: a,
                    b: FloatMatrix(base: b.base + start * b.columnStride, rowStride: b.rowStride, columnStride: b.columnStride),
                    c: c + start, ldc: ldc, alpha: alpha, beta: beta, kernel: kernel)
            } else {
                multiply(
                    m: length, n: n, k: k,
                    a: FloatMatrix(base: a.base + start * a.rowStride, rowStride: a.rowStride, columnStride: a.columnStride),
                    b: b, c: c + start * ldc, ldc: ldc, alpha: alpha, beta: beta, kernel: kernel)
            }
        }
    }

    @inline(__always) private static func roundUp(_ value: Int, _ multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }

    /// `C = beta * C`, with beta 0 clearing C even where it held NaN.
    private static func scale(m: Int, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    /// Packs rows `row..<row+m` x columns `column..<column+k` of A into panels of `mr` rows,
    /// each stored k-major (`mr` consecutive values per k), zero-padding the last panel.
    private static func packA(
        _ a: FloatMatrix, row: Int, column: Int, m: Int, k: Int, mr: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        var panel = 0
        while panel < m {
            let rows = min(mr, m - panel)
            let destination = packed + panel * k
            if a.rowStride == 1 {
                // Transposed A: a panel's values for one k are contiguous in memory.
                for p in 0..<k {
                    let source = a.base + (column + p) * a.columnStride + row + panel
                    let target = destination + p * mr
                    for r in 0..<rows { target[r] = source[r] }
                    for r in rows..<mr { target[r] = 0 }
                }
            } else {
                let first = a.base + ((row &+ panel) &* a.rowStride &+ column &* a.columnStride)
                gatherRows(
                    first, rowStride: a.rowStride, columnStride: a.columnStride, rows: rows, k: k, mr: mr,
                    into: destination)
            }
            panel += mr
        }
    }

    /// One panel of a row-major (or strided) A: for each k, one value from each row, so the
    /// writes stay sequential. The full panels of the kernels' row counts (8 and 6) build one
    /// vector per k instead of storing floats one by one, which matters when N is small and
    /// packing A is a large share of the work (a 3x3 conv with many channels over few positions).
    @inline(__always)
    private static func gatherRows(
        _ first: UnsafePointer<Float>, rowStride: Int, columnStride: Int, rows: Int, k: Int,
        mr: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        let r1 = rowStride
        let r2 = rowStride &* 2
        let r3 = rowStride &* 3
        let r4 = rowStride &* 4
        let r5 = rowStride &* 5
        let raw = UnsafeMutableRawPointer(destination)
        if rows == 8 && mr == 8 {
            let r6 = rowStride &* 6
            let r7 = rowStride &* 7
            for p in 0..<k {
                let s = first + p &* columnStride
                raw.storeBytes(
                    of: SIMD8<Float>(s[0], s[r1], s[r2], s[r3], s[r4], s[r5], s[r6], s[r7]),
                    toByteOffset: p &* 32, as: SIMD8<Float>.self)
            }
        } else if rows == 6 && mr == 6 {
            for p in 0..<k {
                let s = first + p &* columnStride
                raw.storeBytes(of: SIMD4<Float>(s[0], s[r1], s[r2], s[r3]), toByteOffset: p &* 24, as: SIMD4<Float>.self)
                raw.storeBytes(of: SIMD2<Float>(s[r4], s[r5]), toByteOffset: p &* 24 &+ 16, as: SIMD2<Float>.self)
            }
        } else {
            var target = destination
            for p in 0..<k {
                var source = first + p &* columnStride
                for _ in 0..<rows {
                    target.pointee = source.pointee
                    target += 1
                    source += rowStride
                }
                for _ in rows..<mr {
                    target.pointee = 0
                    target += 1
                }
            }
        }
    }

    /// Packs rows `row..<row+k` x columns `column..<column+n` of B into panels of `nr` columns,
    /// each stored k-major, zero-padding the last panel.
    private static func packB(
        _ b: FloatMatrix, row: Int, column: Int, k: Int, n: Int, nr: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        var panel = 0
        while panel < n {
            let columns = min(nr, n - panel)
            let destination = packed + panel * k
            if b.columnStride == 1 {
                for p in 0..<k {
                    let source = b.base + (row + p) * b.rowStride + column + panel
                    let target = destination + p * nr
                    if columns == nr {
                        // nr is a multiple of 8 for every kernel.
                        let from = UnsafeRawPointer(source)
                        let to = UnsafeMutableRawPointer(target)
                        for offset in stride(from: 0, to: nr &* 4, by: 32) {
                            to.storeBytes(
                                of: from.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self),
                                toByteOffset: offset, as: SIMD8<Float>.self)
                        }
                    } else {
                        for j in 0..<columns { target[j] = source[j] }
                        for j in columns..<nr { target[j] = 0 }
                    }
                }
            } else {
                for j in 0..<columns {
                    let source = b.base + row * b.rowStride + (column + panel + j) * b.columnStride
                    let step = b.rowStride
                    for p in 0..<k { destination[p * nr + j] = source[p * step] }
                }
                if columns < nr {
                    for p in 0..<k { for j in columns..<nr { destination[p * nr + j] = 0 } }
                }
            }
            panel += nr
        }
    }

    /// Matrix-vector products (m == 1 or n == 1): each output is a dot product or an axpy sweep
    /// over contiguous memory, which is all a vector operand allows.
    private static func thin(
        m: Int, n: Int, k: Int, a: FloatMatrix, b: FloatMatrix,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        if m == 1 && b.columnStride == 1 {
            // Row vector times row-major B: accumulate scaled rows of B.
            Scratch.with(Float.self, count: n) { accumulator in
                accumulator.update(repeating: 0, count: n)
                for p in 0..<k {
                    axpy(n: n, scale: a.base[p * a.columnStride], x: b.base + p * b.rowStride, y: accumulator)
                }
                for j in 0..<n { c[j] = beta == 0 ? alpha * accumulator[j] : alpha * accumulator[j] + beta * c[j] }
            }
            return
        }
        for i in 0..<m {
            for j in 0..<n {
                let dot = dotProduct(k: k, a.base + i * a.rowStride, a.columnStride, b.base + j * b.columnStride, b.rowStride)
                let target = c + i * ldc + j
                target.pointee = beta == 0 ? alpha * dot : alpha * dot + beta * target.pointee
            }
        }
    }

    /// `y += scale * x` over n contiguous floats.
    @inline(__always)
    static func axpy(n: Int, scale: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let vectors = n / 8
        let rx = UnsafeRawPointer(x)
        let ry = UnsafeMutableRawPointer(y)
        for v in 0..<vectors {
            let offset = v * 32
            let sum =
                UnsafeRawPointer(ry).loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                + rx.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * scale
            ry.storeBytes(of: sum, toByteOffset: offset, as: SIMD8<Float>.self)
        }
        for j in (vectors * 8)..<n { y[j] += scale * x[j] }
    }

    /// Dot product of two strided float sequences, vectorised when both are contiguous.
    @inline(__always)
    static func dotProduct(k: Int, _ x: UnsafePointer<Float>, _ xStride: Int, _ y: UnsafePointer<Float>, _ yStride: Int) -> Float {
        if xStride == 1 && yStride == 1 {
            var sum0 = SIMD8<Float>()
            var sum1 = SIMD8<Float>()
            let rx = UnsafeRawPointer(x)
            let ry = UnsafeRawPointer(y)
            var p = 0
            while p + 16 <= k {
                sum0 +=
                    rx.loadUnaligned(fromByteOffset: p * 4, as: SIMD8<Float>.self)
                    * ry.loadUnaligned(fromByteOffset: p * 4, as: SIMD8<Float>.self)
                sum1 +=
                    rx.loadUnaligned(fromByteOffset: p * 4 + 32, as: SIMD8<Float>.self)
                    * ry.loadUnaligned(fromByteOffset: p * 4 + 32, as: SIMD8<Float>.self)
                p += 16
            }
            var total = (sum0 + sum1).sum()
            while p < k {
                total += x[p] * y[p]
                p += 1
            }
            return total
        }
        var total: Float = 0
        for p in 0..<k { total += x[p * xStride] * y[p * yStride] }
        return total
    }
}
