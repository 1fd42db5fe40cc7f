import CKernels

/// im2col and its adjoint col2im: the data movement that turns a convolution into one GEMM.
///
/// The column matrix has one row per (channel, kernel tap) and one column per kernel placement;
/// callers work on a slice of placements (`start..<start+count`) so the matrix stays cache-sized
/// however large the image is.
enum Im2Col {
    /// Walks the column-matrix slice in runs along the last spatial axis. For each run it calls
    /// `body(row, filled, length, lo, hi, pixel)`: the run covers placements
    /// `start+filled..<start+filled+length` of matrix row `row` (a channel and kernel tap); its
    /// entries `lo..<hi` read image element `pixel + j * lastStride` and the rest are padding.
    /// All validity checks happen here, so the bodies index memory without further checks.
    @inline(__always)
    static func forEachRun(
        _ window: SlidingWindow, channels: Int, start: Int, count: Int,
        _ body: (_ row: Int, _ filled: Int, _ length: Int, _ lo: Int, _ hi: Int, _ pixel: Int) -> Void
    ) {
        let window = window.withoutUnitAxes
        let rank = window.rank
        guard rank > 0, count > 0 else { return }
        let last = rank - 1
        let width = window.image[last]
        let placements = window.positions[last]
        let step = window.strides[last]
        let dilation = window.dilations[last]
        let pad = window.padBegin[last]
        let imageStrides = Tensor.strides(for: window.image)
        let imageSize = window.imageSize
        let kernelSize = window.kernelSize
        var tap = [Int](repeating: 0, count: rank)
        var position = [Int](repeating: 0, count: rank)
        var row = 0
        for channel in 0..<channels {
            let plane = channel * imageSize
            for _ in 0..<kernelSize {
                var remainder = start
                for axis in stride(from: last, through: 0, by: -1) {
                    position[axis] = remainder % window.positions[axis]
                    remainder /= window.positions[axis]
                }
                var filled = 0
                while filled < count {
                    let length = min(placements - position[last], count - filled)
                    var offset = plane
                    var inside = true
                    for axis in 0..<last {
                        let coordinate =
                            position[axis] * window.strides[axis] - window.padBegin[axis]
                            + tap[axis] * window.dilations[axis]
                        if coordinate < 0 || coordinate >= window.image[axis] {
                            inside = false
                            break
                        }
                        offset += coordinate * imageStrides[axis]
                    }
                    let x0 = position[last] * step - pad + tap[last] * dilation
                    var lo = 0
                    var hi = 0
                    if inside {
                        // Entries j with 0 <= x0 + j * step < width.
                        lo = x0 >= 0 ? 0 : min(length, (step - 1 - x0) / step)
                        hi = width - x0 <= 0 ? lo : max(lo, min(length, (width - x0 + step - 1) / step))
                    }
                    body(row, filled, length, lo, hi, offset + x0)
                    filled += length
                    position[last] = 0
                    var axis = last - 1
                    while axis >= 0 {
                        position[axis] += 1
                        if position[axis] < window.positions[axis] { break }
                        position[axis] = 0
                        axis -= 1
                    }
                }
                row += 1
                var axis = last
                while axis >= 0 {
                    tap[axis] += 1
                    if tap[axis] < window.kernel[axis] { break }
                    tap[axis] = 0
                    axis -= 1
                }
            }
        }
    }

    /// Fills `columns` ([channels * kernelSize] x `count`, row-major) with the pixels placements
    /// `start..<start+count` read from `image` ([channels, image...]); padding reads `zero`.
    @_specialize(where T == Float)
    @_specialize(where T == Int32)
    @_specialize(where T == UInt8)
    static func gather<T>(
        _ window: SlidingWindow, channels: Int, image: UnsafePointer<T>, zero: T,
        start: Int, count: Int, into columns: UnsafeMutablePointer<T>
    ) {
        let stride = window.strides[window.rank - 1]
        forEachRun(window, channels: channels, start: start, count: count) { row, filled, length, lo, hi, pixel in
            let out = columns + (row * count + filled)
            if lo > 0 { out.update(repeating: zero, count: lo) }
            if stride == 1 {
                if hi > lo { (out + lo).update(from: image + (pixel + lo), count: hi - lo) }
            } else {
                for j in lo..<hi { out[j] = image[pixel + j * stride] }
            }
            if hi < length { (out + hi).update(repeating: zero, count: length - hi) }
        }
    }

    /// The adjoint of `gather`: adds every column entry onto the image pixel it would be read
    /// from; entries that fall in the padding are dropped.
    static func scatterAdd(
        _ window: SlidingWindow, channels: Int, columns: UnsafePointer<Float>,
        start: Int, count: Int, into image: UnsafeMutablePointer<Float>
    ) {
        let stride = window.strides[window.rank - 1]
        forEachRun(window, channels: channels, start: start, count: count) { row, filled, _, lo, hi, pixel in
            let source = columns + (row * count + filled)
            for j in lo..<hi {
                let target = image + (pixel + j * stride)
                target.pointee += source[j]
            }
        }
    }

    /// The C kernel's description of a 2-D window.
    private static func problem(_ window: SlidingWindow) -> ck_depthwise_problem {
        ck_depthwise_problem(
            height: window.image[0], width: window.image[1], out_h: window.positions[0], out_w: window.positions[1],
            kernel_h: window.kernel[0], kernel_w: window.kernel[1], stride_h: window.strides[0], stride_w: window.strides[1],
            dilation_h: window.dilations[0], dilation_w: window.dilations[1], pad_top: window.padBegin[0],
            pad_left: window.padBegin[1])
    }

    /// Scratch bytes `depthwise` needs per call for this window (0 when it needs none).
    static func depthwiseScratchBytes(_ window: SlidingWindow) -> Int {
        guard window.rank == 2 else { return 0 }
        var problem = problem(window)
        return ck_depthwise_scratch_bytes(&problem)
    }

    /// Adds one channel's convolution with one kernel onto `output`. 2-D windows run in the C kernel,
    /// which keeps a vector of outputs in registers across all taps, using `scratch`
    /// (`depthwiseScratchBytes`); other ranks run the loop below.
    static func depthwise(
        _ window: SlidingWindow, image: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer?
    ) {
        if window.rank == 2, let scratch {
            var problem = problem(window)
            ck_depthwise_conv2d(&problem, image, kernel, output, scratch)
            return
        }
        let stride = window.strides[window.rank - 1]
        forEachRun(window, channels: 1, start: 0, count: window.positionCount) { tap, filled, _, lo, hi, pixel in
            let weight = kernel[tap]
            let out = output + filled
            if stride == 1 {
                let source = image + pixel
                for j in lo..<hi { out[j] += weight * source[j] }
            } else {
                for j in lo..<hi { out[j] += weight * image[pixel + j * stride] }
            }
        }
    }
}
