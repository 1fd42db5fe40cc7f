import CKernels

/// DequantizeLinear: `y = (x - zero_point) * scale` per tensor, per axis or per block.
///
/// An activation that alone reads its output (Relu, Clip, HardSwish, …: `OperatorFusion`) runs in the same step, on
/// the float values while they are in cache: an int8 model dequantizes before each float activation, as the float
/// model runs it inside its Conv.
struct DequantizeLinearOperator: Operator {
    let axis: Int
    let blockSize: Int
    let outputType: ElementType?
    var activation: ConvEpilogue.Activation?

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
        if let fast = try Self.eightBit(x, scale, zeroPoint, layout, outputType: outputType, context: context)
            ?? Self.int32Columns(x, scale, zeroPoint, axis: axis, outputType: outputType, context: context)
        {
            ConvEpilogue.Activation.apply(activation, to: fast.mutablePointer(as: Float.self), count: fast.count)
            return [fast]
        }
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
        // A fused activation runs in float32 before the conversion to the scale's type when that is float16 or
        // bfloat16 (fusion cannot see the scale's type at load): exact for Relu and Clip, and for the smooth
        // activations one rounding earlier than the unfused graph, which rounds the dequantized value first.
        ConvEpilogue.Activation.apply(activation, to: output.mutablePointer(as: Float.self), count: output.count)
        return [TensorCast.convert(output, to: outputType ?? scale.elementType, context: context)]
    }

    /// int32 sums with one float32 scale per column (the last axis) and no zero point: an integer product rescaled,
    /// as the int8 rewrite writes MatMulInteger's output, in one pass by rows; nil for anything else.
    private static func int32Columns(
        _ x: Tensor, _ scale: Tensor, _ zeroPoint: Tensor?, axis: Int, outputType: ElementType?, context: ExecutionContext
    ) throws -> Tensor? {
        guard x.elementType == .int32, scale.elementType == .float, outputType ?? .float == .float, zeroPoint == nil, x.rank >= 1,
            scale.rank == 1, let columns = x.shape.last, columns > 0, scale.count == columns, axis == -1 || axis == x.rank - 1
        else { return nil }
        let output = try context.allocate(.float, x.shape, zeroed: false)
        let (source, factors, y) = (x.pointer(as: Int32.self), scale.pointer(as: Float.self), output.mutablePointer(as: Float.self))
        for row in 0..<(x.count / columns) {
            let base = row * columns
            for column in 0..<columns { y[base + column] = Float(source[base + column]) * factors[column] }
        }
        withExtendedLifetime((x, scale)) {}
        return output
    }

    /// uint8/int8 to float32 with one scale per run (per tensor or per axis slice) in the vectorized C loop, without
    /// the float copy of `x` the general path makes; nil for anything else.
    private static func eightBit(
        _ x: Tensor, _ scale: Tensor, _ zeroPoint: Tensor?, _ layout: QuantizationLayout, outputType: ElementType?,
        context: ExecutionContext
    ) throws -> Tensor? {
        guard x.elementType == .uint8 || x.elementType == .int8, scale.elementType == .float, outputType ?? .float == .float,
            layout.hasOneParameterPerRun
        else { return nil }
        let output = try context.allocate(.float, x.shape, zeroed: false)
        let zeros = zeroPoint.map { $0.floatValues() }
        let (source, scales, y) = (UnsafeRawPointer(x.pointer(as: UInt8.self)), scale.pointer(as: Float.self), output.mutablePointer(as: Float.self))
        layout.forEachRun { parameter, _, start, count in
            let zero = zeros.map { $0[parameter] } ?? 0
            if x.elementType == .uint8 {
                ck_dequantize_u8(source.assumingMemoryBound(to: UInt8.self) + start, y + start, count, scales[parameter], zero)
            } else {
                ck_dequantize_s8(source.assumingMemoryBound(to: Int8.self) + start, y + start, count, scales[parameter], zero)
            }
        }
        withExtendedLifetime((x, scale)) {}
        return output
    }
}
