/// Conv on floating-point tensors: float32 natively, the other float types through float32.
struct ConvOperator: Operator {
    let attributes: WindowAttributes
    let group: Int
    /// Operators fused in at load (see `OperatorFusion`); float32 only.
    var epilogue: ConvEpilogue?

    static let schema = OperatorSchema("Conv", since: 1) { context in try build(context) }

    /// Parses the attributes every Conv-family node shares (also used by the integer forms).
    static func build(_ context: OperatorBuildContext) throws -> ConvOperator {
        let group = try context.attributes.int("group", default: 1)
        guard group >= 1 else { throw context.invalid("group must be positive, got \(group)") }
        return ConvOperator(attributes: try WindowAttributes(context), group: group)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "X")
        let w = try inputs.required(1, "W")
        let bias = inputs.optional(2)
        guard ElementType.floats.contains(x.elementType), w.elementType == x.elementType,
            bias.map({ $0.elementType == x.elementType }) ?? true
        else {
            throw OperatorFailure(
                "Conv needs floating-point X, W and B of one type, got \(x.elementType), \(w.elementType)\(bias.map { ", \($0.elementType)" } ?? "")")
        }
        if x.elementType != .float {
            let widened = [x, w, bias].map { $0.map { TensorCast.convert($0, to: .float) } }
            return [TensorCast.convert(try run(widened, context: context)[0], to: x.elementType, context: context)]
        }
        let shape = try ConvShape(x: x.shape, w: w.shape, group: group, attributes: attributes)
        try shape.checkBias(bias)
        if let count = epilogue?.channels, count != shape.outputChannels {
            throw OperatorFailure("the fused per-channel step has \(count) channels, the Conv output \(shape.outputChannels)")
        }
        // Every path writes every output element (ConvKernel fills bias or zeros first where it accumulates).
        let output = try context.allocate(.float, shape.outputShape, zeroed: false)
        let y = output.mutablePointer(as: Float.self)
        if ShiftedGemmConv.applies(to: shape) {
            ShiftedGemmConv.forward(
                shape, x: x.pointer(as: Float.self), w: w.pointer(as: Float.self),
                bias: bias?.pointer(as: Float.self), y: y, context: context)
        } else {
            ConvKernel.forward(
                shape, x: x.pointer(as: Float.self), w: w.pointer(as: Float.self),
                bias: bias?.pointer(as: Float.self), y: y,
                gemm: ConvOperator.sgemm, depthwise: Im2Col.depthwise, context: context)
        }
        epilogue?.apply(
            to: y, batch: shape.batch, channels: shape.outputChannels,
            positions: shape.window.positionCount, context: context)
        return [output]
    }

    static func sgemm(
        m: Int, n: Int, k: Int, a: FloatMatrix, b: FloatMatrix, c: UnsafeMutablePointer<Float>,
        ldc: Int, accumulate: Bool, context: ExecutionContext?
    ) {
        Sgemm.multiply(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, beta: accumulate ? 1 : 0, context: context)
    }
}
