/// GridSample over float32 memory for one batch item. The grid is the same for every channel, so
/// each output position's taps (flat offsets into one channel and their weights, the tensor
/// product of the per-axis taps, offset `outside` for
/// zero padding) are computed once and then applied to every channel.
enum GridSampleKernel {
    /// - Parameters:
    ///   - image: spatial sizes of the input, outermost first.
    ///   - grid: `positions` points of `image.count` normalized coordinates each, innermost axis
    ///     first (x, y, z), as GridSample defines them.
    ///   - x: `channels` images; `y`: `channels` rows of `positions` samples.
    static func sample(
        _ sampler: AxisSampler, image: [Int], channels: Int, positions: Int,
        grid: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    ) {
        let rank = image.count
        let perAxis = sampler.mode.taps
        var tapsPerPosition = 1
        for _ in 0..<rank { tapsPerPosition *= perAxis }
        let imageSize = image.reduce(1, *)
        let strides = Tensor.strides(for: image)
        let offsets = UnsafeMutablePointer<Int>.allocate(capacity: positions * tapsPerPosition)
        let weights = UnsafeMutablePointer<Float>.allocate(capacity: positions * tapsPerPosition)
        let axisIndices = UnsafeMutablePointer<Int>.allocate(capacity: rank * perAxis)
        let axisWeights = UnsafeMutablePointer<Float>.allocate(capacity: rank * perAxis)
        defer {
            offsets.deallocate()
            weights.deallocate()
            axisIndices.deallocate()
            axisWeights.deallocate()
        }
        for p in 0..<positions {
            let point = grid + p * rank
            for axis in 0..<rank {
                let coordinate = sampler.denormalize(point[rank - 1 - axis], length: image[axis])
                sampler.taps(
                    coordinate, length: image[axis], indices: axisIndices + axis * perAxis,
                    weights: axisWeights + axis * perAxis)
            }
            for t in 0..<tapsPerPosition {
                // Tap t picks tap (t / perAxis^(rank-1-axis)) % perAxis on each axis.
                var rest = t
                var offset = 0
                var weight: Float = 1
                for axis in stride(from: rank - 1, through: 0, by: -1) {
                    let choice = axis * perAxis + rest % perAxis
                    rest /= perAxis
                    let index = axisIndices[choice]
                    if index == AxisSampler.outside {
                        offset = AxisSampler.outside
                        break
                    }
                    offset += index * strides[axis]
                    weight *= axisWeights[choice]
                }
                offsets[p * tapsPerPosition + t] = offset
                weights[p * tapsPerPosition + t] = weight
            }
        }
        for c in 0..<channels {
            let source = x + c * imageSize
            let target = y + c * positions
            for p in 0..<positions {
                let base = p &* tapsPerPosition
                var sum: Float = 0
                for t in 0..<tapsPerPosition {
                    // Padding reads skip the image entirely: 0 * inf would make them NaN.
                    let offset = offsets[base &+ t]
                    if offset >= 0 { sum += weights[base &+ t] * source[offset] }
                }
                target[p] = sum
            }
        }
    }
}
