/// Resize (opset 10 onward) and Upsample (opset 7–9). Inputs from opset 11: X, roi, scales,
/// sizes; opset 10 and Upsample-9: X, scales; Upsample-7 takes scales as an attribute.
///
/// Nearest copies elements (any type, no arithmetic). Linear and cubic run one separable pass
/// per resized axis in float64, as the ONNX reference does, and round back to integer types.
struct ResizeOperator: Operator {
    let settings: ResizeSettings
    /// Input positions of roi, scales and sizes (nil when the opset has no such input).
    let roiInput: Int?, scalesInput: Int?, sizesInput: Int?
    /// Upsample-7's scales attribute.
    let fixedScales: [Float]?
    /// Outputs beyond this many elements are refused rather than attempted (a bad scale must not
    /// exhaust the device's memory).
    static let maximumElements = 1 << 32

    static func resize(_ context: OperatorBuildContext) throws -> ResizeOperator {
        let settings = try ResizeSettings.resize(context)
        if context.opset < 11 { return ResizeOperator(settings: settings, roiInput: nil, scalesInput: 1, sizesInput: nil, fixedScales: nil) }
        return ResizeOperator(settings: settings, roiInput: 1, scalesInput: 2, sizesInput: 3, fixedScales: nil)
    }

    static func upsample(_ context: OperatorBuildContext) throws -> ResizeOperator {
        let settings = try ResizeSettings(legacyMode: try context.attributes.string("mode", default: "nearest"), context: context)
        if context.opset < 9 {
            guard let scales = try context.attributes.floats("scales") else { throw context.invalid("Upsample needs a scales attribute") }
            return ResizeOperator(settings: settings, roiInput: nil, scalesInput: nil, sizesInput: nil, fixedScales: scales)
        }
        return ResizeOperator(settings: settings, roiInput: nil, scalesInput: 1, sizesInput: nil, fixedScales: nil)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "X")
        let rank = x.rank
        let axes = try resolvedAxes(rank: rank)
        let (scales, sizes) = try targets(inputs, input: x, axes: axes)
        let roi = try cropBoxes(inputs, rank: rank, axes: axes)
        var total = 1
        for size in sizes {
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Self.maximumElements else {
                throw OperatorFailure("Resize output shape \(sizes) is too large")
            }
            total = product
        }

        var plans: [ResizeAxisPlan] = []
        var resized: [Int] = []
        for axis in 0..<rank {
            let plan = ResizeAxisPlan(
                settings: settings, inputLength: x.shape[axis], outputLength: sizes[axis],
                scale: scales[axis], roi: roi[axis])
            plans.append(plan)
            let trivialBox = settings.coordinates != .tfCropAndResize || (abs(roi[axis].start) < 1e-9 && abs(roi[axis].end - 1) < 1e-9)
            let unchanged = sizes[axis] == x.shape[axis] && abs(scales[axis] - 1) < 1e-9 && trivialBox
            if !(unchanged || (settings.mode == .nearest && plan.isIdentity)) { resized.append(axis) }
        }
        if resized.isEmpty { return [x] }
        if x.shape.contains(0) || sizes.contains(0) { return [try context.allocate(x.elementType, sizes)] }
        if settings.mode == .nearest { return [try nearest(x, plans: plans, context: context)] }
        return [try interpolate(x, plans: plans, axes: resized, context: context)]
    }

    private func resolvedAxes(rank: Int) throws -> [Int] {
        guard let given = settings.axes else { return Array(0..<rank) }
        let axes = try given.map { try normalizedAxis($0, rank: rank, "Resize axes entry") }
        guard Set(axes).count == axes.count else { throw OperatorFailure("Resize axes \(given) repeat an axis") }
        return axes
    }

    /// The scale each axis's coordinate mapping uses, and the output shape.
    private func targets(_ inputs: [Tensor?], input x: Tensor, axes: [Int]) throws -> (scales: [Double], sizes: [Int]) {
        var scales = [Double](repeating: 1, count: x.rank)
        var sizes = x.shape
        if let sizesTensor = sizesInput.flatMap({ inputs.optional($0) }), sizesTensor.count > 0 {
            let given = try sizesTensor.intValues("Resize sizes")
            guard given.count == axes.count else {
                throw OperatorFailure("Resize sizes has \(given.count) entries for \(axes.count) axes")
            }
            for (index, axis) in axes.enumerated() {
                guard given[index] >= 0 else { throw OperatorFailure("Resize sizes entry \(given[index]) is negative") }
                guard x.shape[axis] > 0 else { throw OperatorFailure("Resize cannot size an empty axis \(axis) to \(given[index])") }
                scales[axis] = Double(given[index]) / Double(x.shape[axis])
                sizes[axis] = given[index]
            }
            if settings.aspectPolicy != .stretch {
                let chosen = axes.map { scales[$0] }
                let scale = (settings.aspectPolicy == .notLarger ? chosen.min() : chosen.max()) ?? 1
                for axis in axes {
                    scales[axis] = scale
                    sizes[axis] = Int(scale * Double(x.shape[axis]) + 0.5)
                }
            }
            return (scales, sizes)
        }
        let given: [Float]
        if let fixedScales {
            given = fixedScales
        } else if let scalesTensor = scalesInput.flatMap({ inputs.optional($0) }), scalesTensor.count > 0 {
            given = try scalesTensor.floatScalars("Resize scales")
        } else {
            throw OperatorFailure("Resize needs non-empty scales or sizes")
        }
        guard given.count == axes.count else {
            throw OperatorFailure("Resize scales has \(given.count) entries for \(axes.count) axes of a rank-\(x.rank) input")
        }
        for (index, axis) in axes.enumerated() {
            let scale = Double(given[index])
            guard scale > 0, scale.isFinite else { throw OperatorFailure("Resize scale \(scale) must be positive") }
            let size = (scale * Double(x.shape[axis])).rounded(.down)
            guard size < 1e12 else { throw OperatorFailure("Resize scale \(scale) makes axis \(axis) too large") }
            scales[axis] = scale
            sizes[axis] = Int(size)
        }
        return (scales, sizes)
    }

    /// The crop box per axis (tf_crop_and_resize); [0, 1] elsewhere.
    private func cropBoxes(_ inputs: [Tensor?], rank: Int, axes: [Int]) throws -> [(start: Double, end: Double)] {
        var boxes = [(start: Double, end: Double)](repeating: (0, 1), count: rank)
        guard settings.coordinates == .tfCropAndResize else { return boxes }
        guard let roi = roiInput.flatMap({ inputs.optional($0) }), roi.count > 0 else {
            throw OperatorFailure("Resize with tf_crop_and_resize needs roi")
        }
        let values = try roi.floatScalars("Resize roi").map(Double.init)
        guard values.count == 2 * axes.count else {
            throw OperatorFailure("Resize roi has \(values.count) entries, expected \(2 * axes.count)")
        }
        for (index, axis) in axes.enumerated() { boxes[axis] = (values[index], values[axes.count + index]) }
        return boxes
    }

    private func nearest(_ x: Tensor, plans: [ResizeAxisPlan], context: ExecutionContext) throws -> Tensor {
        let output = try context.allocate(x.elementType, plans.map(\.outputLength), zeroed: false)
        let fill = TensorCast.convert(Tensor(scalar: settings.extrapolation), to: x.elementType)
        func run<T>(_ type: T.Type) {
            ResizeKernels.gather(
                T.self, input: x.pointer(as: T.self), inputShape: x.shape,
                output: output.mutablePointer(as: T.self), plans: plans, fill: fill.pointer(as: T.self).pointee,
                context: context)
        }
        switch x.elementType.byteWidth {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        case 8: run(UInt64.self)
        default: throw OperatorFailure("Resize does not support \(x.elementType) tensors")
        }
        return output
    }

    private func interpolate(_ x: Tensor, plans: [ResizeAxisPlan], axes: [Int], context: ExecutionContext) throws -> Tensor {
        guard x.elementType != .bool, x.elementType != .string else {
            throw OperatorFailure("Resize \(settings.mode.rawValue) does not support \(x.elementType) tensors")
        }
        var current = TensorCast.convert(x, to: .double, context: context)
        var shape = x.shape
        for axis in axes {
            let plan = plans[axis]
            var next = shape
            next[axis] = plan.outputLength
            let output = try context.allocate(.double, next)
            ResizeKernels.interpolate(
                input: current.pointer(as: Double.self), output: output.mutablePointer(as: Double.self),
                outer: shape[..<axis].reduce(1, *), inner: shape[(axis + 1)...].reduce(1, *),
                plan: plan, fill: settings.extrapolation)
            var finished: Tensor? = current
            current = output
            // The previous pass's buffer goes back to the pool (never the caller's input).
            if finished?.storage !== x.storage { context.recycle(&finished) }
            shape = next
        }
        if !x.elementType.isFloatingPoint {
            let values = current.mutablePointer(as: Double.self)
            for i in 0..<current.count { values[i] = values[i].rounded(.toNearestOrEven) }
        }
        return TensorCast.convert(current, to: x.elementType, context: context)
    }
}
