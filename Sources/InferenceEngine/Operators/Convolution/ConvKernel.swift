/// The convolution driver over raw pointers, generic so float32 (with SGEMM) and the int32 of
/// the quantized operators share it; the caller passes the matching GEMM.
enum ConvKernel {
    /// `C = A * B`, or `C += A * B` when `accumulate`.
    typealias Gemm<T> = (_ m: Int, _ n: Int, _ k: Int, _ a: StridedMatrix<T>, _ b: StridedMatrix<T>,
                         _ c: UnsafeMutablePointer<T>, _ ldc: Int, _ accumulate: Bool) -> Void

    /// Elements the im2col slice may hold: big enough for long GEMM rows, small enough to stay
    /// in the last-level cache whatever the image size.
    static let columnBudget = 1 << 19

    static func forward<T: NumericElement>(_ shape: ConvShape, x: UnsafePointer<T>, w: UnsafePointer<T>,
                                           bias: UnsafePointer<T>?, y: UnsafeMutablePointer<T>, gemm: Gemm<T>) {
        let window = shape.window
        let imageSize = window.imageSize, positions = window.positionCount, kernelSize = window.kernelSize
        let cg = shape.channelsPerGroup, mg = shape.outputsPerGroup
        let depth = cg * kernelSize
        guard positions > 0 else { return }
        if let bias {
            for n in 0..<shape.batch {
                for m in 0..<shape.outputChannels {
                    (y + (n * shape.outputChannels + m) * positions).update(repeating: bias[m], count: positions)
                }
            }
        }
        let accumulate = bias != nil
        let pointwise = window.isPointwise
        let depthwise = cg == 1 && window.rank == 2 && !pointwise
        let chunk = pointwise || depthwise ? 0 : chunkSize(depth: depth, positions: positions)
        let columns = UnsafeMutablePointer<T>.allocate(capacity: max(chunk * depth, 1))
        defer { columns.deallocate() }
        for n in 0..<shape.batch {
            for g in 0..<shape.group {
                let image = x + (n * shape.channels + g * cg) * imageSize
                let output = y + (n * shape.outputChannels + g * mg) * positions
                let weights = w + g * mg * depth
                if pointwise {
                    gemm(mg, positions, cg, StridedMatrix(weights, leading: cg), StridedMatrix(image, leading: imageSize),
                         output, positions, accumulate)
                } else if depthwise {
                    for m in 0..<mg {
                        depthwise2D(window, image: image, kernel: weights + m * kernelSize, output: output + m * positions)
                    }
                } else {
                    var start = 0
                    while start < positions {
                        let count = min(chunk, positions - start)
                        Im2Col.gather(window, channels: cg, image: image, zero: T.zero, start: start, count: count, into: columns)
                        gemm(mg, count, depth, StridedMatrix(weights, leading: depth), StridedMatrix(columns, leading: count),
                             output + start, positions, accumulate)
                        start += count
                    }
                }
            }
        }
    }

    /// Placements per im2col slice: a multiple of 8 (whole SIMD tiles) within the budget.
    static func chunkSize(depth: Int, positions: Int) -> Int {
        let fitting = max(64, columnBudget / max(depth, 1)) / 8 * 8
        return min(positions, fitting)
    }

    /// One input channel convolved with one kernel, added onto `output`: a depthwise convolution
    /// has too little work per pixel for im2col to pay, so each tap sweeps the output directly.
    static func depthwise2D<T: NumericElement>(_ window: SlidingWindow, image: UnsafePointer<T>,
                                               kernel: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        let stride = window.strides[1]
        Im2Col.forEachRun(window, channels: 1, start: 0, count: window.positionCount) { tap, filled, _, lo, hi, pixel in
            let weight = kernel[tap]
            let out = output + filled
            if stride == 1 {
                let source = image + pixel
                for j in lo..<hi { out[j] = T.plus(out[j], T.times(weight, source[j])) }
            } else {
                for j in lo..<hi { out[j] = T.plus(out[j], T.times(weight, image[pixel + j * stride])) }
            }
        }
    }
}
