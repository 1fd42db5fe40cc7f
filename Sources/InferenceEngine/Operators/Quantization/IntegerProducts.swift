/// The shared steps of the integer operators: widening quantized operands to int32 with their
/// zero points removed, and int32 convolution.
enum IntegerProducts {
    /// `tensor - zeroPoint` as int32; the zero point is a scalar or holds one value per slice
    /// along `axis`.
    static func widen(_ tensor: Tensor, zeroPoint: Tensor?, axis: Int, _ what: String, context: ExecutionContext) throws -> Tensor {
        guard [.uint8, .int8].contains(tensor.elementType) else {
            throw OperatorFailure("\(what) must be uint8 or int8, got \(tensor.elementType)")
        }
        let widened = try context.allocate(.int32, tensor.shape)
        let target = widened.mutablePointer(as: Int32.self)
        let source = TensorCast.convert(tensor, to: .int32, context: context)
        withExtendedLifetime(source) { target.update(from: source.pointer(as: Int32.self), count: tensor.count) }
        guard let zeroPoint else { return widened }
        guard zeroPoint.elementType == tensor.elementType else {
            throw OperatorFailure("\(what) zero point type \(zeroPoint.elementType) differs from \(tensor.elementType)")
        }
        let layout = try QuantizationLayout(data: tensor.shape, parameters: zeroPoint.shape, axis: axis, blockSize: 0)
        let zeros = TensorCast.convert(zeroPoint, to: .int32, context: context)
        withExtendedLifetime(zeros) {
            let offsets = zeros.pointer(as: Int32.self)
            layout.forEachRun { parameter, step, start, count in
                for j in 0..<count { target[start + j] &-= offsets[parameter + j * step] }
            }
        }
        return widened
    }

    /// Convolution of int32 operands with an optional int32 bias, wrapping on overflow.
    static func convolve(_ x: Tensor, _ w: Tensor, bias: Tensor?, conv: ConvOperator, context: ExecutionContext) throws -> Tensor {
        let shape = try ConvShape(x: x.shape, w: w.shape, group: conv.group, attributes: conv.attributes)
        try shape.checkBias(bias)
        if let bias, bias.elementType != .int32 { throw OperatorFailure("bias must be int32, got \(bias.elementType)") }
        let output = try context.allocate(.int32, shape.outputShape)
        ConvKernel.forward(
            shape, x: x.pointer(as: Int32.self), w: w.pointer(as: Int32.self),
            bias: bias?.pointer(as: Int32.self), y: output.mutablePointer(as: Int32.self)
        ) { m, n, k, a, b, c, ldc, accumulate, _ in
            GenericGemm.multiply(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate)
        }
        return output
    }

    /// `lhsScale * rhsScale[i] / outputScale` rounded at each step in the scales' own type, as
    /// the reference computes the requantization multiplier.
    static func multipliers(_ lhsScale: Tensor, _ rhsScale: Tensor, _ outputScale: Tensor) throws -> [Double] {
        guard lhsScale.count == 1, outputScale.count == 1 else {
            throw OperatorFailure("input and output scales must be scalars, got \(lhsScale.shape) and \(outputScale.shape)")
        }
        guard ElementType.floats.contains(lhsScale.elementType), rhsScale.elementType == lhsScale.elementType,
            outputScale.elementType == lhsScale.elementType
        else {
            throw OperatorFailure("scales must share one floating-point type")
        }
        let a = lhsScale.floatValues()[0]
        let y = outputScale.floatValues()[0]
        return rhsScale.floatValues().map { b in
            switch lhsScale.elementType {
            case .float16: Double(Float(Float16(Float16(a) * Float16(b)) / Float16(y)))
            case .double: Double(a) * Double(b) / Double(y)
            default: Double(a * b / y)
            }
        }
    }

    /// The output type of a QLinear operator: the output zero point's, else the input's.
    static func outputType(zeroPoint: Tensor?, input: Tensor) throws -> ElementType {
        let type = zeroPoint?.elementType ?? input.elementType
        guard type == .uint8 || type == .int8 else { throw OperatorFailure("cannot requantize to \(type)") }
        if let zeroPoint, zeroPoint.count != 1 {
            throw OperatorFailure("output zero point must be a scalar, got \(zeroPoint.shape)")
        }
        return type
    }

    /// `saturate(round(accumulator * multiplier[channel]) + zeroPoint)` into uint8 or int8, with
    /// `channel = (index / inner) % multipliers.count`.
    static func requantize(
        _ accumulators: Tensor, multipliers: [Double], inner: Int, zeroPoint: Tensor?,
        type: ElementType, context: ExecutionContext
    ) throws -> Tensor {
        if let fast = try IntegerKernels.requantize(
            accumulators, multipliers: multipliers, inner: inner, zeroPoint: zeroPoint,
            type: type, context: context)
        {
            return fast
        }
        let output = try context.allocate(type, accumulators.shape)
        let zero = zeroPoint.map { Double($0.floatValues()[0]) } ?? 0
        let source = accumulators.pointer(as: Int32.self)
        let channels = multipliers.count
        func store<I: FixedWidthInteger>(_ target: UnsafeMutablePointer<I>) {
            for i in 0..<accumulators.count {
                let multiplier = channels == 1 ? multipliers[0] : multipliers[(i / inner) % channels]
                target[i] = Quantization.saturate(Double(source[i]) * multiplier, zeroPoint: zero)
            }
        }
        if type == .uint8 { store(output.mutablePointer(as: UInt8.self)) } else { store(output.mutablePointer(as: Int8.self)) }
        return output
    }
}
