/// Kernels shared by the normalization operators, over float32 or float64 data (the operators
/// widen 16-bit floats first) and parameters already converted to the data's type. Statistics use
/// two passes (mean, then squared deviations), which stays accurate where E[x²] - E[x]² cancels.
enum NormalizationKernels {
    /// `y = x * scale[c] + shift[c]` over [N, C, spatial...] data: inference-mode batch
    /// normalization once the statistics are folded into one scale and shift per channel.
    static func channelAffine(_ x: Tensor, scale: Tensor, shift: Tensor, context: ExecutionContext) throws -> Tensor {
        let y = try context.allocate(x.elementType, x.shape, zeroed: false)
        let channels = x.shape[1]
        let spatial = x.shape[2...].reduce(1, *)
        switch x.elementType {
        case .float: channelAffine(Float.self, x, y, scale, shift, channels, spatial, context)
        case .double: channelAffine(Double.self, x, y, scale, shift, channels, spatial, context)
        default: throw OperatorFailure("normalization needs float32 or float64 data, got \(x.elementType)")
        }
        return y
    }

    /// Standardizes each of `rows` contiguous rows (LayerNormalization; RMSNormalization when not
    /// `centered`, which skips the mean), then applies `weight` and `bias` of one row's length.
    /// Returns Y and, per row, the mean and 1/sqrt(variance + epsilon).
    static func rows(
        _ x: Tensor, rows: Int, centered: Bool, epsilon: Double, weight: Tensor, bias: Tensor?,
        statisticsShape: [Int], context: ExecutionContext
    ) throws -> (y: Tensor, mean: Tensor, inverseDeviation: Tensor) {
        let y = try context.allocate(x.elementType, x.shape)
        let mean = try context.allocate(x.elementType, statisticsShape)
        let inverse = try context.allocate(x.elementType, statisticsShape)
        let columns = rows == 0 ? 0 : x.count / rows
        switch x.elementType {
        case .float: normalizeRows(Float.self, x, y, mean, inverse, rows, columns, centered, Float(epsilon), weight, bias)
        case .double: normalizeRows(Double.self, x, y, mean, inverse, rows, columns, centered, epsilon, weight, bias)
        default: throw OperatorFailure("normalization needs float32 or float64 data, got \(x.elementType)")
        }
        return (y, mean, inverse)
    }

    /// Standardizes each contiguous group of `channelsPerGroup` × `spatial` elements (Instance- and
    /// GroupNormalization), then applies a per-channel `scale` and `bias` of `channels` elements.
    static func groups(
        _ x: Tensor, channels: Int, channelsPerGroup: Int, spatial: Int, epsilon: Double,
        scale: Tensor, bias: Tensor, context: ExecutionContext
    ) throws -> Tensor {
        let y = try context.allocate(x.elementType, x.shape)
        let layout = GroupLayout(channels: channels, channelsPerGroup: channelsPerGroup, spatial: spatial)
        switch x.elementType {
        case .float: normalizeGroups(Float.self, x, y, layout, Float(epsilon), scale, bias)
        case .double: normalizeGroups(Double.self, x, y, layout, epsilon, scale, bias)
        default: throw OperatorFailure("normalization needs float32 or float64 data, got \(x.elementType)")
        }
        return y
    }

    private struct GroupLayout {
        let channels: Int
        let channelsPerGroup: Int
        let spatial: Int
    }

    /// Planes ([N, C] pairs) split over the run's threads.
    private static func channelAffine<T: BinaryFloatingPoint>(
        _ type: T.Type, _ x: Tensor, _ y: Tensor, _ scale: Tensor,
        _ shift: Tensor, _ channels: Int, _ spatial: Int,
        _ context: ExecutionContext
    ) {
        let count = x.count
        guard count > 0, spatial > 0 else { return }
        let source = x.pointer(as: T.self)
        let target = y.mutablePointer(as: T.self)
        let a = scale.pointer(as: T.self)
        let b = shift.pointer(as: T.self)
        context.forEachRange(count / spatial, minimumPerThread: max(1, ExecutionContext.elementsPerThread / spatial), granularity: 1) { planes in
            for plane in planes {
                let c = plane % channels
                let s = a[c]
                let t = b[c]
                let row = source + plane * spatial
                let out = target + plane * spatial
                for i in 0..<spatial { out[i] = row[i] * s + t }
            }
        }
    }

    private static func normalizeRows<T: KernelFloat>(
        _ type: T.Type, _ x: Tensor, _ y: Tensor, _ mean: Tensor, _ inverse: Tensor,
        _ rows: Int, _ columns: Int, _ centered: Bool, _ epsilon: T,
        _ weight: Tensor, _ bias: Tensor?
    ) {
        guard columns > 0 else { return }
        let source = x.pointer(as: T.self)
        let target = y.mutablePointer(as: T.self)
        let means = mean.mutablePointer(as: T.self)
        let inverses = inverse.mutablePointer(as: T.self)
        let w = weight.pointer(as: T.self)
        let b = bias?.pointer(as: T.self)
        for r in 0..<rows {
            let row = source + r &* columns
            let out = target + r &* columns
            let m = centered ? T.sum(row, columns) / T(columns) : 0
            let deviation = 1 / ((T.squaredDeviations(row, columns, from: m) / T(columns)) + epsilon).squareRoot()
            means[r] = m
            inverses[r] = deviation
            if let b {
                for j in 0..<columns { out[j] = (row[j] - m) * deviation * w[j] + b[j] }
            } else {
                for j in 0..<columns { out[j] = (row[j] - m) * deviation * w[j] }
            }
        }
    }

    private static func normalizeGroups<T: KernelFloat>(
        _ type: T.Type, _ x: Tensor, _ y: Tensor, _ layout: GroupLayout,
        _ epsilon: T, _ scale: Tensor, _ bias: Tensor
    ) {
        let groupSize = layout.channelsPerGroup &* layout.spatial
        guard groupSize > 0 else { return }
        let source = x.pointer(as: T.self)
        let target = y.mutablePointer(as: T.self)
        let gamma = scale.pointer(as: T.self)
        let beta = bias.pointer(as: T.self)
        let groups = x.count / groupSize
        for g in 0..<groups {
            let block = source + g &* groupSize
            let out = target + g &* groupSize
            let m = T.sum(block, groupSize) / T(groupSize)
            let deviation = 1 / ((T.squaredDeviations(block, groupSize, from: m) / T(groupSize)) + epsilon).squareRoot()
            let firstChannel = (g &* layout.channelsPerGroup) % layout.channels
            for k in 0..<layout.channelsPerGroup {
                let a = deviation * gamma[firstChannel &+ k]
                let shift = beta[firstChannel &+ k] - m * a
                let row = block + k &* layout.spatial
                let channelOut = out + k &* layout.spatial
                for i in 0..<layout.spatial { channelOut[i] = row[i] * a + shift }
            }
        }
    }
}
