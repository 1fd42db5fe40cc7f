/// DeformConv (2-D): a convolution whose kernel taps read the input at learned fractional
/// offsets, optionally scaled by a learned mask (DCNv2). Computes in float32 through a
/// deformable im2col and the shared SGEMM.
struct DeformConvOperator: Operator {
    let attributes: WindowAttributes
    let group: Int
    let offsetGroups: Int

    static let schema = OperatorSchema("DeformConv", since: 19) { context in try DeformConvOperator(context) }

    init(_ context: OperatorBuildContext) throws {
        attributes = try WindowAttributes(context)
        group = try context.attributes.int("group", default: 1)
        offsetGroups = try context.attributes.int("offset_group", default: 1)
        guard group >= 1, offsetGroups >= 1 else {
            throw context.invalid("group \(group) and offset_group \(offsetGroups) must be positive")
        }
        let declaredAxes =
            attributes.kernelShape?.count ?? attributes.strides?.count ?? attributes.dilations?.count
            ?? attributes.pads.map { $0.count / 2 }
        if let declaredAxes, declaredAxes != 2 {
            throw context.unsupported("\(declaredAxes) spatial axes (only 2-D deformable convolution is implemented)")
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "X")
        let w = try inputs.required(1, "W")
        let offset = try inputs.required(2, "offset")
        let bias = inputs.optional(3)
        let mask = inputs.optional(4)
        for tensor in [x, w, offset, bias, mask].compactMap({ $0 }) where tensor.elementType != x.elementType {
            throw OperatorFailure("DeformConv needs X, W, offset, B and mask of one type, got \(tensor.elementType) with X \(x.elementType)")
        }
        try x.require(ElementType.floats, "DeformConv X")
        guard x.rank == 4 else { throw OperatorFailure("DeformConv supports 2-D images only, got X \(x.shape)") }
        let shape = try ConvShape(x: x.shape, w: w.shape, group: group, attributes: attributes)
        try shape.checkBias(bias)
        let window = shape.window
        let taps = window.kernelSize
        let positions = window.positionCount
        guard shape.channels % offsetGroups == 0 else {
            throw OperatorFailure("DeformConv channels \(shape.channels) are not divisible by offset_group \(offsetGroups)")
        }
        let expectedOffset = [shape.batch, offsetGroups * taps * 2] + window.positions
        guard offset.shape == expectedOffset else {
            throw OperatorFailure("DeformConv offset \(offset.shape) must be \(expectedOffset) for X \(x.shape), W \(w.shape), offset_group \(offsetGroups)")
        }
        let expectedMask = [shape.batch, offsetGroups * taps] + window.positions
        if let mask, mask.shape != expectedMask {
            throw OperatorFailure("DeformConv mask \(mask.shape) must be \(expectedMask)")
        }
        let output = try context.allocate(.float, shape.outputShape)
        guard output.count > 0 else { return [TensorCast.convert(output, to: x.elementType, context: context)] }
        func floats(_ tensor: Tensor) -> UnsafePointer<Float> {
            TensorCast.convert(tensor, to: .float, context: context).pointer(as: Float.self)
        }
        let xs = floats(x)
        let ws = floats(w)
        let offsets = floats(offset)
        let masks = mask.map(floats)
        let biases = bias.map(floats)
        let rows = shape.channels * taps
        let columns = try context.allocate(.float, [rows, positions]).mutablePointer(as: Float.self)
        let y = output.mutablePointer(as: Float.self)
        let depth = shape.channelsPerGroup * taps
        let outputsPerGroup = shape.outputsPerGroup
        for n in 0..<shape.batch {
            DeformableIm2Col.fill(
                window: window, channels: shape.channels, offsetGroups: offsetGroups,
                x: xs + n * shape.channels * window.imageSize, offsets: offsets + n * offsetGroups * taps * 2 * positions,
                mask: masks.map { $0 + n * offsetGroups * taps * positions }, columns: columns)
            for g in 0..<group {
                let target = y + (n * shape.outputChannels + g * outputsPerGroup) * positions
                Sgemm.multiply(
                    m: outputsPerGroup, n: positions, k: depth,
                    a: FloatMatrix(ws + g * outputsPerGroup * depth, leading: depth),
                    b: FloatMatrix(UnsafePointer(columns + g * depth * positions), leading: positions),
                    c: target, ldc: positions)
            }
            if let biases {
                for o in 0..<shape.outputChannels {
                    let row = y + (n * shape.outputChannels + o) * positions
                    for p in 0..<positions { row[p] += biases[o] }
                }
            }
        }
        return [TensorCast.convert(output, to: x.elementType, context: context)]
    }
}
