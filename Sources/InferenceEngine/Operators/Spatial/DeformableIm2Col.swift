/// The im2col matrix of a deformable convolution for one image: row (c, i, j), column (oy, ox)
/// holds channel c bilinearly sampled (zero outside the image) at the kernel tap's regular
/// position shifted by its learned offset, times its mask. A plain GEMM with the weights then
/// finishes the convolution, as for Conv.
enum DeformableIm2Col {
    /// - Parameters:
    ///   - x: `channels` planes of `window.image`.
    ///   - offsets: [offsetGroups, kh, kw, 2 (dy, dx), oh, ow]; `mask`: [offsetGroups, kh, kw, oh, ow].
    ///   - columns: [channels * kh * kw, oh * ow].
    static func fill(
        window: SlidingWindow, channels: Int, offsetGroups: Int, x: UnsafePointer<Float>,
        offsets: UnsafePointer<Float>, mask: UnsafePointer<Float>?, columns: UnsafeMutablePointer<Float>
    ) {
        let height = window.image[0]
        let width = window.image[1]
        let kernelH = window.kernel[0]
        let kernelW = window.kernel[1]
        let outH = window.positions[0]
        let outW = window.positions[1]
        let taps = kernelH * kernelW
        let positions = outH * outW
        let plane = height * width
        let channelsPerGroup = channels / offsetGroups
        let sampler = AxisSampler(mode: .linear, padding: .zeros, alignCorners: true)
        // Per tap and position of one offset group: four pixel offsets (-1 outside) and weights
        // with the mask folded in, shared by the group's channels.
        let pixels = UnsafeMutablePointer<Int>.allocate(capacity: 4 * positions)
        let weights = UnsafeMutablePointer<Float>.allocate(capacity: 4 * positions)
        let rowTaps = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        let rowWeights = UnsafeMutablePointer<Float>.allocate(capacity: 4)
        defer {
            pixels.deallocate()
            weights.deallocate()
            rowTaps.deallocate()
            rowWeights.deallocate()
        }
        let columnTaps = rowTaps + 2
        let columnWeights = rowWeights + 2
        for group in 0..<offsetGroups {
            for tap in 0..<taps {
                let i = tap / kernelW
                let j = tap % kernelW
                let dy = offsets + ((group * taps + tap) * 2) * positions
                let dx = dy + positions
                let scale = mask.map { $0 + (group * taps + tap) * positions }
                for oy in 0..<outH {
                    let baseY = Float(oy * window.strides[0] - window.padBegin[0] + i * window.dilations[0])
                    for ox in 0..<outW {
                        let p = oy * outW + ox
                        let baseX = Float(ox * window.strides[1] - window.padBegin[1] + j * window.dilations[1])
                        sampler.taps(baseY + dy[p], length: height, indices: rowTaps, weights: rowWeights)
                        sampler.taps(baseX + dx[p], length: width, indices: columnTaps, weights: columnWeights)
                        let factor = scale?[p] ?? 1
                        for corner in 0..<4 {
                            let row = rowTaps[corner >> 1]
                            let column = columnTaps[corner & 1]
                            let inside = row != AxisSampler.outside && column != AxisSampler.outside
                            pixels[4 * p + corner] = inside ? row * width + column : AxisSampler.outside
                            weights[4 * p + corner] = rowWeights[corner >> 1] * columnWeights[corner & 1] * factor
                        }
                    }
                }
                for c in (group * channelsPerGroup)..<((group + 1) * channelsPerGroup) {
                    let source = x + c * plane
                    let target = columns + (c * taps + tap) * positions
                    for p in 0..<positions {
                        var sum: Float = 0
                        for corner in 0..<4 {
                            let pixel = pixels[4 &* p &+ corner]
                            if pixel >= 0 { sum += weights[4 &* p &+ corner] * source[pixel] }
                        }
                        target[p] = sum
                    }
                }
            }
        }
    }
}
