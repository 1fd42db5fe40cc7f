/// The loops of Resize, over raw pointers: a nearest-neighbour gather for any element type, and
/// one separable interpolation pass along one axis in float64.
enum ResizeKernels {
    /// Nearest: output element = input element at the per-axis chosen positions; positions flagged
    /// as extrapolated take `fill`. Every axis has a plan (identity plans included). Output rows
    /// are split over the context's threads.
    static func gather<T>(
        _ type: T.Type, input: UnsafePointer<T>, inputShape: [Int], output: UnsafeMutablePointer<T>,
        plans: [ResizeAxisPlan], fill: T, context: ExecutionContext? = nil
    ) {
        let rank = inputShape.count
        let outputShape = plans.map(\.outputLength)
        guard !outputShape.contains(0) else { return }
        guard rank > 0 else {
            output[0] = input[0]
            return
        }
        let rows = outputShape.dropLast().reduce(1, *)
        let rowLength = outputShape[rank - 1]
        guard let context else {
            gatherRows(0..<rows, input: input, inputShape: inputShape, output: output, plans: plans, fill: fill)
            return
        }
        context.forEachRange(rows, minimumPerThread: max(1, ExecutionContext.elementsPerThread / rowLength), granularity: 1) { range in
            gatherRows(range, input: input, inputShape: inputShape, output: output, plans: plans, fill: fill)
        }
    }

    private static func gatherRows<T>(
        _ rowRange: Range<Int>, input: UnsafePointer<T>, inputShape: [Int], output: UnsafeMutablePointer<T>,
        plans: [ResizeAxisPlan], fill: T
    ) {
        let rank = inputShape.count
        let outputShape = plans.map(\.outputLength)
        let inputStrides = Tensor.strides(for: inputShape)
        let rowLength = outputShape[rank - 1]
        let lastPlan = plans[rank - 1]
        let lastStride = inputStrides[rank - 1]
        // The multi-index of the range's first row over the leading output axes.
        var counter = [Int](repeating: 0, count: max(rank - 1, 0))
        var remainder = rowRange.lowerBound
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            counter[axis] = remainder % outputShape[axis]
            remainder /= outputShape[axis]
        }
        lastPlan.indices.withUnsafeBufferPointer { lastIndices in
            lastPlan.extrapolated.withUnsafeBufferPointer { lastOutside in
                let hasOutside = lastOutside.contains(true)
                for row in rowRange {
                    var offset = 0
                    var outside = false
                    for axis in 0..<(rank - 1) {
                        let position = counter[axis]
                        offset += plans[axis].indices[position] * inputStrides[axis]
                        outside = outside || plans[axis].extrapolated[position]
                    }
                    let destination = output + row * rowLength
                    if outside {
                        destination.update(repeating: fill, count: rowLength)
                    } else {
                        let source = input + offset
                        for j in 0..<rowLength { destination[j] = source[lastIndices[j] &* lastStride] }
                        if hasOutside {
                            for j in 0..<rowLength where lastOutside[j] { destination[j] = fill }
                        }
                    }
                    var axis = rank - 2
                    while axis >= 0 {
                        counter[axis] += 1
                        if counter[axis] < outputShape[axis] { break }
                        counter[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }

    /// One interpolation pass: input viewed as [outer, plan.inputLength, inner], output as
    /// [outer, plan.outputLength, inner].
    static func interpolate(
        input: UnsafePointer<Double>, output: UnsafeMutablePointer<Double>, outer: Int, inner: Int,
        plan: ResizeAxisPlan, fill: Double
    ) {
        let inLength = plan.inputLength
        let outLength = plan.outputLength
        let taps = plan.taps
        plan.indices.withUnsafeBufferPointer { indices in
            plan.weights.withUnsafeBufferPointer { weights in
                for o in 0..<outer {
                    let source = input + o * inLength * inner
                    let destination = output + o * outLength * inner
                    for j in 0..<outLength {
                        let row = destination + j * inner
                        if plan.extrapolated[j] {
                            row.update(repeating: fill, count: inner)
                            continue
                        }
                        if inner == 1 {
                            var sum = 0.0
                            for k in 0..<taps { sum += weights[j * taps + k] * source[indices[j * taps + k]] }
                            row[0] = sum
                        } else {
                            row.update(repeating: 0, count: inner)
                            for k in 0..<taps {
                                let weight = weights[j * taps + k]
                                if weight == 0 { continue }
                                let from = source + indices[j * taps + k] * inner
                                for i in 0..<inner { row[i] += weight * from[i] }
                            }
                        }
                    }
                }
            }
        }
    }
}
