/// The convolution driver over raw pointers, generic so float32 (with SGEMM) and the int32 of
/// the quantized operators share it; the caller passes the matching GEMM.
enum ConvKernel {
    /// `C = A * B`, or `C += A * B` when `accumulate`.
    /// The last argument is the context to split the product over, nil when the caller already
    /// runs in parallel.
    typealias Gemm<T> = (
        _ m: Int, _ n: Int, _ k: Int, _ a: StridedMatrix<T>, _ b: StridedMatrix<T>,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, _ accumulate: Bool, _ context: ExecutionContext?
    ) -> Void
    /// `scratch` holds `Im2Col.depthwiseScratchBytes(window)` bytes, reused across calls.
    typealias Depthwise<T> = (
        _ window: SlidingWindow, _ image: UnsafePointer<T>, _ kernel: UnsafePointer<T>,
        _ output: UnsafeMutablePointer<T>, _ scratch: UnsafeMutableRawPointer?
    ) -> Void

    /// Elements the im2col slice may hold: big enough for long GEMM rows, small enough to stay
    /// in the last-level cache whatever the image size.
    static let columnBudget = 1 << 19

    @_specialize(where T == Float)
    @_specialize(where T == Int32)
    /// `depthwise`, when given, convolves one channel with one 2-D kernel (adding onto the
    /// output); groups of a single input channel use it instead of im2col.
    ///
    /// With a `context` of several threads and enough work, it is split into independent items (runs
    /// of depthwise channels sharing one scratch plane, or im2col slices with their own column
    /// buffers); a single item, such as a 1x1 conv over the whole image, is one GEMM that splits itself.
    static func forward<T: NumericElement>(
        _ shape: ConvShape, x: UnsafePointer<T>, w: UnsafePointer<T>,
        bias: UnsafePointer<T>?, y: UnsafeMutablePointer<T>, gemm: @escaping Gemm<T>,
        depthwise: Depthwise<T>? = nil, context: ExecutionContext? = nil
    ) {
        let window = shape.window
        let imageSize = window.imageSize
        let positions = window.positionCount
        let kernelSize = window.kernelSize
        let cg = shape.channelsPerGroup
        let mg = shape.outputsPerGroup
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
        // The direct loop suits true depthwise convs (one or a few outputs per input channel). When
        // many outputs share one input channel (silero's STFT conv: 1 -> 258 channels, kernel 256),
        // im2col + GEMM reuses each gathered window across all of them and is ~30x faster.
        let direct = cg == 1 && mg <= 4 && window.rank == 2 && !pointwise ? depthwise : nil
        if bias == nil, direct != nil {
            // The direct kernel adds onto its output; the GEMM paths overwrite theirs.
            y.update(repeating: T.zero, count: shape.batch * shape.outputChannels * positions)
        }
        let threads = context?.threads ?? 1
        let multiplyAdds = shape.batch * shape.outputChannels * positions * depth
        let parallel = context != nil && threads > 1 && multiplyAdds >= Sgemm.parallelThreshold
        let groups = shape.batch * shape.group
        if let direct {
            // Depthwise: runs of channels, each run reusing one scratch buffer for the padded plane.
            let runs = parallel ? min(groups, threads * 4) : 1
            let scratchBytes = Im2Col.depthwiseScratchBytes(window)
            let convolve = { (run: Int) in
                Scratch.with(UInt8.self, count: scratchBytes) { buffer in
                    let scratch = scratchBytes > 0 ? UnsafeMutableRawPointer(buffer) : nil
                    for batchAndGroup in stride(from: run, to: groups, by: runs) {
                        let n = batchAndGroup / shape.group
                        let g = batchAndGroup % shape.group
                        let image = x + (n * shape.channels + g * cg) * imageSize
                        let output = y + (n * shape.outputChannels + g * mg) * positions
                        let weights = w + g * mg * depth
                        for m in 0..<mg { direct(window, image, weights + m * kernelSize, output + m * positions, scratch) }
                    }
                }
            }
            if let context, runs > 1 { context.parallelFor(runs, convolve) } else { convolve(0) }
            return
        }
        let budget = context?.efficiency == true ? columnBudget / 4 : columnBudget
        var chunk = pointwise ? positions : chunkSize(depth: depth, positions: positions, budget: budget)
        if parallel, groups < threads {
            // Enough slices to keep every thread busy, each still a whole number of SIMD tiles.
            chunk = min(chunk, max(8, ((positions + threads - 1) / threads + 7) / 8 * 8))
        }
        let slicesPerGroup = pointwise ? 1 : (positions + chunk - 1) / chunk
        let items = groups * slicesPerGroup

        let work = { (item: Int, context: ExecutionContext?) in
            let slice = item % slicesPerGroup
            let batchAndGroup = item / slicesPerGroup
            let n = batchAndGroup / shape.group
            let g = batchAndGroup % shape.group
            let image = x + (n * shape.channels + g * cg) * imageSize
            let output = y + (n * shape.outputChannels + g * mg) * positions
            let weights = w + g * mg * depth
            if pointwise {
                gemm(
                    mg, positions, cg, StridedMatrix(weights, leading: cg), StridedMatrix(image, leading: imageSize),
                    output, positions, accumulate, context)
            } else {
                let start = slice * chunk
                let count = min(chunk, positions - start)
                Scratch.with(T.self, count: count * depth) { columns in
                    Im2Col.gather(window, channels: cg, image: image, zero: T.zero, start: start, count: count, into: columns)
                    gemm(
                        mg, count, depth, StridedMatrix(weights, leading: depth), StridedMatrix(columns, leading: count),
                        output + start, positions, accumulate, context)
                }
            }
        }
        if let context, items > 1, parallel {
            context.parallelFor(items) { work($0, nil) }
        } else {
            for item in 0..<items { work(item, context) }
        }
    }

    /// Placements per im2col slice: a multiple of 8 (whole SIMD tiles) within the budget.
    static func chunkSize(depth: Int, positions: Int, budget: Int = columnBudget) -> Int {
        let fitting = max(64, budget / max(depth, 1)) / 8 * 8
        return min(positions, fitting)
    }
}
