/// Stride-1 2-D convolution as one GEMM per kernel tap over a zero-padded copy of the image
/// (the "kn2row" scheme), for groups with several input channels.
///
/// With the output computed over the padded width (a few unused columns per row), tap (ky, kx)
/// reads the padded image shifted by `ky * width + kx`: a plain row-major matrix of `channels`
/// rows, so each tap is a GEMM on the image in place. im2col would instead write and re-read
/// kernel-size copies of the image, which dominates when there are few output channels (the
/// 96 -> 24 channel 3x3 convs of PP-OCR's detection head spend most of their time there).
enum ShiftedGemmConv {
    /// Whether the scheme applies: 2-D, stride 1, a kernel larger than 1x1, several input
    /// channels per group (depthwise groups have their own kernel).
    static func applies(to shape: ConvShape) -> Bool {
        let window = shape.window
        return window.rank == 2 && window.strides == [1, 1] && window.kernelSize > 1 && shape.channelsPerGroup > 1
            && window.positionCount > 0
    }

    /// Floats of padded image a band of output rows may read: about the L2 cache, so the kernel-size
    /// passes over it hit the cache instead of memory.
    static let bandBudget = 1 << 18

    static func forward(
        _ shape: ConvShape, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, context: ExecutionContext
    ) {
        let window = shape.window
        let (height, width) = (window.image[0], window.image[1])
        let (outHeight, outWidth) = (window.positions[0], window.positions[1])
        let (kernelHeight, kernelWidth) = (window.kernel[0], window.kernel[1])
        let (dilationY, dilationX) = (window.dilations[0], window.dilations[1])
        let (padTop, padLeft) = (window.padBegin[0], window.padBegin[1])
        let cg = shape.channelsPerGroup
        let mg = shape.outputsPerGroup
        let taps = window.kernelSize
        let halo = (kernelHeight - 1) * dilationY
        // Padded rows are exactly as wide as the taps read.
        let paddedWidth = outWidth + (kernelWidth - 1) * dilationX
        // Output rows per band: the band's padded input within budget, and enough bands for every thread.
        var bandRows = max(1, min(outHeight, bandBudget / max(cg * paddedWidth, 1) - halo))
        let threads = context.threads
        if threads > 1, shape.batch * shape.group < threads,
            shape.outputChannels * outHeight * outWidth * cg * taps >= Sgemm.parallelThreshold
        {
            bandRows = min(bandRows, max(1, (outHeight + threads - 1) / threads))
        }
        let bands = (outHeight + bandRows - 1) / bandRows
        let groups = shape.batch * shape.group

        let work = { (item: Int, context: ExecutionContext?) in
            let band = item % bands
            let batchAndGroup = item / bands
            let n = batchAndGroup / shape.group
            let g = batchAndGroup % shape.group
            let firstRow = band * bandRows
            let rows = min(bandRows, outHeight - firstRow)
            let paddedRows = rows + halo
            let plane = paddedRows * paddedWidth
            // Output positions over the padded width, up to the band's last real one.
            let span = (rows - 1) * paddedWidth + outWidth
            Scratch.with(Float.self, count: cg * plane + mg * span) { padded in
                let accumulator = padded + cg * plane
                let image = x + (n * shape.channels + g * cg) * height * width
                for c in 0..<cg {
                    pad(
                        image + c * height * width, height: height, width: width, firstRow: firstRow - padTop, left: padLeft,
                        into: padded + c * plane, rows: paddedRows, paddedWidth: paddedWidth)
                }
                let weights = w + g * mg * cg * taps
                for ky in 0..<kernelHeight {
                    for kx in 0..<kernelWidth {
                        let tap = ky * kernelWidth + kx
                        let shift = ky * dilationY * paddedWidth + kx * dilationX
                        Sgemm.multiply(
                            m: mg, n: span, k: cg,
                            a: FloatMatrix(base: weights + tap, rowStride: cg * taps, columnStride: taps),
                            b: FloatMatrix(base: padded + shift, rowStride: plane, columnStride: 1),
                            c: accumulator, ldc: span, beta: tap == 0 ? 0 : 1, context: context)
                    }
                }
                let output = y + (n * shape.outputChannels + g * mg) * outHeight * outWidth + firstRow * outWidth
                for m in 0..<mg {
                    let offset = bias?[g * mg + m] ?? 0
                    let source = accumulator + m * span
                    let target = output + m * outHeight * outWidth
                    for row in 0..<rows {
                        let from = source + row * paddedWidth
                        let to = target + row * outWidth
                        for column in 0..<outWidth { to[column] = from[column] + offset }
                    }
                }
            }
        }
        let items = groups * bands
        if items > 1, shape.batch * shape.outputChannels * outHeight * outWidth * cg * taps >= Sgemm.parallelThreshold {
            context.parallelFor(items) { work($0, nil) }
        } else {
            for item in 0..<items { work(item, context) }
        }
    }

    /// Copies image rows `firstRow..<firstRow + rows` (rows outside the image are zero) into a
    /// padded band, shifted right by `left` columns with zeros around.
    private static func pad(
        _ image: UnsafePointer<Float>, height: Int, width: Int, firstRow: Int, left: Int,
        into padded: UnsafeMutablePointer<Float>, rows: Int, paddedWidth: Int
    ) {
        padded.update(repeating: 0, count: rows * paddedWidth)
        let first = max(0, -left)
        let last = min(width, paddedWidth - left)
        guard last > first else { return }
        for row in 0..<rows {
            let source = firstRow + row
            guard source >= 0, source < height else { continue }
            (padded + row * paddedWidth + left + first).update(from: image + source * width + first, count: last - first)
        }
    }
}
