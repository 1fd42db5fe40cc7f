/// Slice: a strided window of the input, numpy's `x[start:end:step]` per axis. Starts and ends
/// clamp to the dimension, so any int64 value (including INT64_MAX for "to the end") is valid.
enum Slice {
    /// The window on one axis: first index, step and element count.
    struct Window: Equatable {
        var start: Int, step: Int, count: Int
    }

    static func window(start requestedStart: Int, end requestedEnd: Int, step requestedStep: Int, dim: Int) throws -> Window {
        guard requestedStep != 0 else { throw OperatorFailure("Slice: step is 0") }
        // A step longer than the axis takes at most one element; capping it keeps index math in range.
        let step = max(-max(dim, 1), min(max(dim, 1), requestedStep))
        var start = requestedStart < 0 ? requestedStart + dim : requestedStart
        var end = requestedEnd < 0 ? requestedEnd + dim : requestedEnd
        let count: Int
        if step > 0 {
            start = max(0, min(dim, start))
            end = max(0, min(dim, end))
            count = end > start ? (end - start + step - 1) / step : 0
        } else {
            start = max(0, min(dim - 1, start))
            end = max(-1, min(dim - 1, end))
            count = start > end ? (start - end - step - 1) / -step : 0
        }
        return Window(start: start, step: step, count: count)
    }

    static func run(
        _ input: Tensor, starts: [Int], ends: [Int], axes requestedAxes: [Int]?, steps: [Int]?,
        context: ExecutionContext
    ) throws -> Tensor {
        let axes = try ShapeMath.axes(requestedAxes ?? Array(0..<starts.count), rank: input.rank, "Slice")
        guard ends.count == starts.count, axes.count == starts.count, (steps?.count ?? starts.count) == starts.count else {
            throw OperatorFailure("Slice: starts \(starts), ends \(ends), axes \(requestedAxes ?? []) and steps \(steps ?? []) differ in length")
        }
        var windows = input.shape.map { Window(start: 0, step: 1, count: $0) }
        for (i, axis) in axes.enumerated() {
            windows[axis] = try window(start: starts[i], end: ends[i], step: steps?[i] ?? 1, dim: input.shape[axis])
        }
        let shape = windows.map(\.count)
        if shape == input.shape && windows.allSatisfy({ $0.step == 1 }) { return input }
        let strides = input.strides
        var offset = 0
        for axis in windows.indices where shape[axis] > 0 { offset += windows[axis].start * strides[axis] }
        return try StridedCopy.gather(
            input, offset: offset, shape: shape,
            strides: zip(windows, strides).map { $0.step * $1 }, context: context)
    }

    static let schemas: [OperatorSchema] = [
        OperatorSchema("Slice") { context in
            if context.opset < 10 {
                guard let starts = try context.attributes.ints("starts"), let ends = try context.attributes.ints("ends") else {
                    throw context.invalid("starts and ends are required")
                }
                let axes = try context.attributes.ints("axes")
                return ClosureOperator { inputs, run in
                    [try Slice.run(inputs.required(0, "data"), starts: starts, ends: ends, axes: axes, steps: nil, context: run)]
                }
            }
            return ClosureOperator { inputs, run in
                let data = try inputs.required(0, "data")
                let starts = try inputs.required(1, "starts").intList("starts")
                let ends = try inputs.required(2, "ends").intList("ends")
                let axes = try inputs.optional(3)?.intList("axes")
                let steps = try inputs.optional(4)?.intList("steps")
                return [try Slice.run(data, starts: starts, ends: ends, axes: axes, steps: steps, context: run)]
            }
        }
    ]
}
