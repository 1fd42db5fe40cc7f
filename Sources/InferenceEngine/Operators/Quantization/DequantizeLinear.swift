/// DequantizeLinear: `y = (x - zero_point) * scale` per tensor, per axis or per block.
struct DequantizeLinearOperator: Operator {
    let axis: Int
    let blockSize: Int
    let outputType: ElementType?

    static let schema = OperatorSchema("DequantizeLinear", since: 10) { context in
        let blockSize = try context.attributes.int("block_size", default: 0)
        guard blockSize >= 0, blockSize <= WindowAttributes.limit else {
            throw context.invalid("block_size \(blockSize) is out of range")
        }
        var outputType: ElementType?
        if let code = try context.attributes.int("output_dtype"), code != 0 {
            guard let raw = Int32(exactly: code), let type = ElementType(rawValue: raw), ElementType.floats.contains(type) else {
                throw context.unsupported("output_dtype \(code)")
            }
            outputType = type
        }
        return DequantizeLinearOperator(axis: try context.attributes.int("axis", default: 1), blockSize: blockSize, outputType: outputType)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "x")
        let scale = try inputs.required(1, "x_scale")
        let zeroPoint = inputs.optional(2)
        guard [.uint8, .int8, .uint16, .int16, .int32].contains(x.elementType) else {
            throw OperatorFailure("cannot dequantize \(x.elementType)")
        }
        guard ElementType.floats.contains(scale.elementType) else { throw OperatorFailure("x_scale must be floating point, got \(scale.elementType)") }
        if let zeroPoint {
            guard zeroPoint.elementType == x.elementType else {
                throw OperatorFailure("zero point type \(zeroPoint.elementType) differs from x type \(x.elementType)")
            }
            guard zeroPoint.shape == scale.shape || (zeroPoint.count == 1 && scale.count == 1) else {
                throw OperatorFailure("zero point of shape \(zeroPoint.shape) does not match scale \(scale.shape)")
            }
        }
        let layout = try QuantizationLayout(data: x.shape, parameters: scale.shape, axis: axis, blockSize: blockSize)
        let values = TensorCast.convert(x, to: .float, context: context)
        let scales = TensorCast.convert(scale, to: .float, context: context)
        let zeros = zeroPoint.map { TensorCast.convert($0, to: .float, context: context) }
        let output = try context.allocate(.float, x.shape)
        withExtendedLifetime((values, scales, zeros)) {
            let source = values.pointer(as: Float.self)
            let factors = scales.pointer(as: Float.self)
            let offsets = zeros?.pointer(as: Float.self)
            let y = output.mutablePointer(as: Float.self)
            layout.forEachRun { parameter, step, start, count in
                for j in 0..<count {
                    let p = parameter + j * step
                    y[start + j] = (source[start + j] - (offsets?[p] ?? 0)) * factors[p]
                }
            }
        }
        return [TensorCast.convert(output, to: outputType ?? scale.elementType, context: context)]
    }
}
