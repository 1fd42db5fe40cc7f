/// GridSample: reads X at the normalized points of `grid` ([N, O1..Ok, k], innermost axis first).
/// Opset 16 names the modes bilinear/bicubic and opset 20 linear/cubic (generalized to any number
/// of spatial axes); both spellings are accepted at any opset, since they mean the same thing.
/// Computes in float32; other element types convert on the way in and out.
struct GridSampleOperator: Operator {
    let sampler: AxisSampler

    static let schema = OperatorSchema("GridSample", since: 16) { context in try GridSampleOperator(context) }

    init(_ context: OperatorBuildContext) throws {
        let attributes = context.attributes
        let modeName = try attributes.string("mode", default: context.opset >= 20 ? "linear" : "bilinear")
        let mode: AxisSampler.Mode
        switch modeName {
        case "nearest": mode = .nearest
        case "linear", "bilinear": mode = .linear
        case "cubic", "bicubic": mode = .cubic
        default: throw context.invalid("unknown mode '\(modeName)'")
        }
        let paddingName = try attributes.string("padding_mode", default: "zeros")
        guard let padding = AxisSampler.Padding(rawValue: paddingName) else {
            throw context.invalid("unknown padding_mode '\(paddingName)'")
        }
        let alignCorners = try attributes.int("align_corners", default: 0)
        guard alignCorners == 0 || alignCorners == 1 else { throw context.invalid("align_corners \(alignCorners) must be 0 or 1") }
        sampler = AxisSampler(mode: mode, padding: padding, alignCorners: alignCorners == 1)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "X")
        let grid = try inputs.required(1, "grid")
        try x.require(ElementType.numeric, "GridSample X")
        try grid.require(ElementType.floats, "GridSample grid")
        let spatial = x.rank - 2
        guard spatial >= 1, grid.rank == x.rank, grid.shape[0] == x.shape[0], grid.shape[grid.rank - 1] == spatial else {
            throw OperatorFailure("GridSample needs X [N, C, D1..Dk] and grid [N, O1..Ok, k] with k >= 1, got X \(x.shape) and grid \(grid.shape)")
        }
        let batches = x.shape[0]
        let channels = x.shape[1]
        let image = Array(x.shape[2...])
        let outputSpatial = Array(grid.shape[1..<(grid.rank - 1)])
        let output = try context.allocate(.float, [batches, channels] + outputSpatial)
        let floatX = TensorCast.convert(x, to: .float, context: context)
        let floatGrid = TensorCast.convert(grid, to: .float, context: context)
        let imageSize = image.reduce(1, *)
        let positions = outputSpatial.reduce(1, *)
        if output.count > 0 {
            let xs = floatX.pointer(as: Float.self)
            let points = floatGrid.pointer(as: Float.self)
            let ys = output.mutablePointer(as: Float.self)
            for n in 0..<batches {
                GridSampleKernel.sample(
                    sampler, image: image, channels: channels, positions: positions,
                    grid: points + n * positions * spatial, x: xs + n * channels * imageSize,
                    y: ys + n * channels * positions)
            }
        }
        return [TensorCast.convert(output, to: x.elementType, context: context)]
    }
}
