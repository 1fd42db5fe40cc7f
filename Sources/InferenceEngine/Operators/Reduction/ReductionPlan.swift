/// Which axes a Reduce* node reduces and how it shapes its output, parsed once at load. The axes
/// moved from an attribute to an optional second input (ReduceSum at opset 13, the others at 18),
/// which is also when `noop_with_empty_axes` appeared.
struct ReductionAxes: Sendable {
    /// The `axes` attribute of the older opsets; nil when reducing everything or reading input 1.
    let attributeAxes: [Int]?
    let axesFromInput: Bool
    let keepDims: Bool
    let noopWithEmptyAxes: Bool

    init(_ context: OperatorBuildContext, axesInputSince: Int) throws {
        axesFromInput = context.opset >= axesInputSince
        if axesFromInput {
            guard !context.attributes.has("axes") else {
                throw context.invalid("axes is an input from opset \(axesInputSince), not an attribute")
            }
            attributeAxes = nil
        } else {
            let axes = try context.attributes.ints("axes")
            attributeAxes = axes?.isEmpty == true ? nil : axes
        }
        keepDims = try context.attributes.int("keepdims", default: 1) != 0
        noopWithEmptyAxes = try context.attributes.int("noop_with_empty_axes", default: 0) != 0
    }

    /// The plan for one input shape; `axesInput` is input 1 when the opset reads axes from there.
    func plan(for shape: [Int], axesInput: Tensor?) throws -> ReductionPlan {
        var axes = attributeAxes
        if axesFromInput, let axesInput {
            guard axesInput.rank <= 1 else { throw OperatorFailure("axes must be a 1-D tensor, has shape \(axesInput.shape)") }
            let values = try axesInput.intValues("axes")
            axes = values.isEmpty ? nil : values
        }
        var reduced = [Bool](repeating: axes == nil && !noopWithEmptyAxes, count: shape.count)
        for axis in axes ?? [] {
            let resolved = axis < 0 ? axis + shape.count : axis
            guard resolved >= 0, resolved < shape.count else {
                throw OperatorFailure("axis \(axis) is out of range for input shape \(shape)")
            }
            guard !reduced[resolved] else { throw OperatorFailure("axis \(axis) is listed twice in axes \(axes ?? [])") }
            reduced[resolved] = true
        }
        return ReductionPlan(shape: shape, reduced: reduced, keepDims: keepDims)
    }
}

/// A reduction over a fixed shape, with the input's axes merged into alternating runs of kept and
/// reduced dimensions. Walking the input in memory order then comes down to rows of the innermost
/// run: a reduced innermost run is a contiguous row folded into one output element (the fast case
/// of ReduceMean or Softmax over the last axis), a kept one is a row folded element-wise into a
/// contiguous row of outputs (reductions over an outer axis).
struct ReductionPlan {
    let outputShape: [Int]
    let outputCount: Int
    /// How many input elements fold into each output element (1 when no axis is reduced).
    let groupSize: Int
    let inputCount: Int
    /// Merged runs of dimensions, outermost first, without dimensions of size 1.
    private let runs: [Int]
    private let runIsReduced: [Bool]
    /// The output stride of each run; 0 for reduced runs.
    private let runOutputStrides: [Int]

    init(shape: [Int], reduced: [Bool], keepDims: Bool) {
        var outputShape: [Int] = []
        for (axis, dim) in shape.enumerated() where !reduced[axis] || keepDims {
            outputShape.append(reduced[axis] ? 1 : dim)
        }
        self.outputShape = outputShape
        outputCount = outputShape.reduce(1, *)
        inputCount = shape.reduce(1, *)
        groupSize = zip(shape, reduced).reduce(1) { $0 * ($1.1 ? $1.0 : 1) }

        var runs: [Int] = []
        var runIsReduced: [Bool] = []
        for (axis, dim) in shape.enumerated() where dim != 1 {
            if let last = runIsReduced.last, last == reduced[axis] {
                runs[runs.count - 1] *= dim
            } else {
                runs.append(dim)
                runIsReduced.append(reduced[axis])
            }
        }
        var strides = [Int](repeating: 0, count: runs.count)
        var stride = 1
        for run in Swift.stride(from: runs.count - 1, through: 0, by: -1) where !runIsReduced[run] {
            strides[run] = stride
            stride *= runs[run]
        }
        self.runs = runs
        self.runIsReduced = runIsReduced
        runOutputStrides = strides
    }

    /// Calls `body` for every row of the innermost run in input order with the row's first input
    /// offset, the output offset it folds into, its length, and whether the row is reduced (folds
    /// into one output) or kept (folds element-wise into `length` consecutive outputs).
    func forEachRow(_ body: (_ input: Int, _ output: Int, _ length: Int, _ reducing: Bool) -> Void) {
        guard inputCount > 0 else { return }
        guard let length = runs.last, let reducing = runIsReduced.last else {
            body(0, 0, 1, true)
            return
        }
        let outer = runs.count - 1
        var index = [Int](repeating: 0, count: outer)
        var output = 0
        var input = 0
        while input < inputCount {
            body(input, output, length, reducing)
            input &+= length
            var run = outer - 1
            while run >= 0 {
                index[run] &+= 1
                output &+= runOutputStrides[run]
                if index[run] < runs[run] { break }
                output &-= runOutputStrides[run] &* runs[run]
                index[run] = 0
                run -= 1
            }
        }
    }
}

/// A tensor viewed as [outer, length, inner] around one axis of `length` elements: the layout of
/// the operators that normalize along a single axis (Softmax family, LpNormalization).
struct AxisLayout {
    let outer: Int
    let length: Int
    let inner: Int

    init(outer: Int, length: Int, inner: Int) {
        self.outer = outer
        self.length = length
        self.inner = inner
    }

    /// The view around `axis`, already resolved to 0..<shape.count.
    init(shape: [Int], axis: Int) {
        self.init(outer: shape[..<axis].reduce(1, *), length: shape[axis], inner: shape[(axis + 1)...].reduce(1, *))
    }
}
