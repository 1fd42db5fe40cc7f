import CKernels

/// QuantizeLinear: `y = saturate(round_half_even(x / scale) + zero_point)` per tensor, per axis
/// or per block, into uint8, int8, uint16 or int16.
struct QuantizeLinearOperator: Operator {
    let axis: Int
    let blockSize: Int
    let outputType: ElementType?

    static let integerTypes: Set<ElementType> = [.uint8, .int8, .uint16, .int16]

    static let schema = OperatorSchema("QuantizeLinear", since: 10) { context in
        let blockSize = try context.attributes.int("block_size", default: 0)
        guard blockSize >= 0, blockSize <= WindowAttributes.limit else {
            throw context.invalid("block_size \(blockSize) is out of range")
        }
        var outputType: ElementType?
        if let code = try context.attributes.int("output_dtype"), code != 0 {
            guard let raw = Int32(exactly: code), let type = ElementType(rawValue: raw), integerTypes.contains(type) else {
                throw context.unsupported("output_dtype \(code) (only uint8, int8, uint16 and int16 are supported)")
            }
            outputType = type
        }
        if let precision = try context.attributes.int("precision"), precision != 0, precision != Int(ElementType.float.rawValue) {
            throw context.unsupported("precision \(precision) (computation is in float32)")
        }
        return QuantizeLinearOperator(axis: try context.attributes.int("axis", default: 1), blockSize: blockSize, outputType: outputType)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "x")
        let scale = try inputs.required(1, "y_scale")
        let zeroPoint = inputs.optional(2)
        guard ElementType.floats.contains(x.elementType) || x.elementType == .int32 else {
            throw OperatorFailure("x must be floating point or int32, got \(x.elementType)")
        }
        guard ElementType.floats.contains(scale.elementType) else { throw OperatorFailure("y_scale must be floating point, got \(scale.elementType)") }
        let type = zeroPoint?.elementType ?? outputType ?? .uint8
        if let outputType, outputType != type {
            throw OperatorFailure("output_dtype \(outputType) disagrees with the zero point's type \(type)")
        }
        guard Self.integerTypes.contains(type) else { throw OperatorFailure("cannot quantize to \(type)") }
        let layout = try QuantizationLayout(data: x.shape, parameters: scale.shape, axis: axis, blockSize: blockSize)
        if let zeroPoint, zeroPoint.shape != scale.shape, zeroPoint.count != 1 || scale.count != 1 {
            throw OperatorFailure("zero point of shape \(zeroPoint.shape) does not match scale \(scale.shape)")
        }
        let values = TensorCast.convert(x, to: .float, context: context)
        let scales = TensorCast.convert(scale, to: .float, context: context)
        let zeros = zeroPoint.map { TensorCast.convert($0, to: .int32, context: context) }
        let output = try context.allocate(type, x.shape)
        try withExtendedLifetime((values, scales, zeros)) {
            try type.dispatchNumeric(
                Visitor(
                    layout: layout, x: values.pointer(as: Float.self), scales: scales.pointer(as: Float.self),
                    zeros: zeros?.pointer(as: Int32.self), output: output), op: "QuantizeLinear")
        }
        return [output]
    }

    private struct Visitor: NumericVisitor {
        let layout: QuantizationLayout
        let x: UnsafePointer<Float>, scales: UnsafePointer<Float>, zeros: UnsafePointer<Int32>?
        let output: Tensor
        func visit<T: NumericElement>(_ type: T.Type) throws {
            guard let integer = T.self as? any QuantizedInteger.Type else { throw OperatorFailure("cannot quantize to \(T.elementType)") }
            quantize(integer)
        }
        private func quantize<I: QuantizedInteger>(_ type: I.Type) {
            // 8-bit outputs with one parameter per run (per tensor or per axis slice): the vectorized C loop.
            if I.self == UInt8.self || I.self == Int8.self, layout.hasOneParameterPerRun {
                let y = UnsafeMutableRawPointer(output.mutablePointer(as: I.self))
                layout.forEachRun { parameter, _, start, count in
                    let zero = zeros.map { Float($0[parameter]) } ?? 0
                    if I.self == UInt8.self {
                        ck_quantize_u8(x + start, y.assumingMemoryBound(to: UInt8.self) + start, count, scales[parameter], zero)
                    } else {
                        ck_quantize_s8(x + start, y.assumingMemoryBound(to: Int8.self) + start, count, scales[parameter], zero)
                    }
                }
                return
            }
            let y = output.mutablePointer(as: I.self)
            layout.forEachRun { parameter, step, start, count in
                for j in 0..<count {
                    let p = parameter + j * step
                    y[start + j] = Quantization.saturate(x[start + j] / scales[p], zeroPoint: zeros.map { Float($0[p]) } ?? 0)
                }
            }
        }
    }
}

enum Quantization {
    /// `round_half_even(value) + zeroPoint`, clamped to I's range; NaN maps to the zero point.
    @inline(__always) static func saturate<I: FixedWidthInteger>(_ value: Float, zeroPoint: Float) -> I {
        let rounded = value.rounded(.toNearestOrEven) + zeroPoint
        if rounded.isNaN { return I(zeroPoint) }
        return I(Swift.min(Swift.max(rounded, Float(I.min)), Float(I.max)))
    }

    /// The same in double precision, for int32 accumulators scaled by a real multiplier.
    @inline(__always) static func saturate<I: FixedWidthInteger>(_ value: Double, zeroPoint: Double) -> I {
        let rounded = (value + zeroPoint).rounded(.toNearestOrEven)
        if rounded.isNaN { return I(Swift.min(Swift.max(zeroPoint, Double(I.min)), Double(I.max))) }
        return I(Swift.min(Swift.max(rounded, Double(I.min)), Double(I.max)))
    }
}
