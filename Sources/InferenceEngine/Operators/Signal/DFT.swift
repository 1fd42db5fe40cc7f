/// DFT: Fourier transform along one axis of a real ([..., 1]) or complex ([..., 2]) signal.
/// Forward output is complex, `onesided` keeping the n/2 + 1 non-redundant bins. The inverse is
/// scaled by 1/n; with `onesided` it reads a half spectrum and returns the real signal
/// (numpy's irfft). The signal is zero-padded or truncated to `dft_length` first.
/// Before opset 20 the axis is an attribute (default 1), from 20 an optional input (default -2).
struct DFTOperator: Operator {
    let inverse: Bool
    let onesided: Bool
    /// The axis attribute before opset 20; nil when the axis comes from input 2.
    let axisAttribute: Int?

    init(context: OperatorBuildContext) throws {
        inverse = try context.attributes.int("inverse", default: 0) != 0
        onesided = try context.attributes.int("onesided", default: 0) != 0
        axisAttribute = context.opset < 20 ? try context.attributes.int("axis", default: 1) : nil
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let op = "DFT"
        let input = try inputs.required(0, "input")
        let shape = input.shape
        guard input.elementType.isFloatingPoint else { throw OperatorFailure("\(op) needs a floating-point input, got \(input.elementType)") }
        guard shape.count >= 2, let components = shape.last, components == 1 || components == 2 else {
            throw OperatorFailure("\(op) input must end in a real (1) or complex (2) axis, got shape \(shape)")
        }
        var axis = try axisAttribute ?? inputs.optional(2).map { try IndexCheck.scalarInt($0, op: op, "axis") } ?? -2
        if axis < 0 { axis += shape.count }
        guard axis >= 0, axis < shape.count - 1 else {
            throw OperatorFailure("\(op) axis \(axisAttribute ?? axis) must name a signal axis of input shape \(shape)")
        }
        let available = shape[axis]
        let length: Int
        if let tensor = inputs.optional(1) {
            length = try IndexCheck.scalarInt(tensor, op: op, "dft_length")
        } else {
            length = inverse && onesided ? 2 * (available - 1) : available
        }
        guard length >= 1, length <= FourierLines.maximumLength else {
            throw OperatorFailure("\(op) length must be in 1...\(FourierLines.maximumLength), got \(length) for input shape \(shape)")
        }
        let outputLength = inverse ? length : (onesided ? length / 2 + 1 : length)
        let realOutput = inverse && onesided
        var outputShape = shape
        outputShape[axis] = outputLength
        outputShape[shape.count - 1] = realOutput ? 1 : 2
        _ = try context.checkedByteCount(.double, outputShape)

        let lines = FourierLines(shape: shape, axis: axis, outputLength: outputLength, realOutput: realOutput)
        // Precision follows numpy, which the ONNX test data comes from: forward transforms run in
        // float64 whatever the input, inverse transforms of float32 signals in float32 (with
        // pocketfft's rounding, see MixedRadixFFT). Entries whose exact value is 0 carry that
        // rounding noise in the expected outputs, beyond the absolute tolerance.
        let precision: ElementType = input.elementType == .double || !inverse ? .double : .float
        let source = TensorCast.convert(input, to: precision, context: context)
        let output = try context.allocate(precision, outputShape)
        guard output.count > 0 else { return [TensorCast.convert(output, to: input.elementType, context: context)] }
        if precision == .double {
            transform(Double.self, source, output, lines, length: length, outputLength: outputLength, available: available, realOutput: realOutput)
        } else {
            transform(Float.self, source, output, lines, length: length, outputLength: outputLength, available: available, realOutput: realOutput)
        }
        return [TensorCast.convert(output, to: input.elementType, context: context)]
    }

    private func transform<T: BinaryFloatingPoint>(
        _: T.Type, _ source: Tensor, _ output: Tensor, _ lines: FourierLines,
        length: Int, outputLength: Int, available: Int, realOutput: Bool
    ) {
        let plan = FourierTransform<T>(length: length)
        let buffer = FourierBuffer<T>(length: length)
        defer { buffer.deallocate() }
        let x = source.pointer(as: T.self)
        let y = output.mutablePointer(as: T.self)
        let complex = lines.inputComponents == 2
        let scale: T = inverse ? 1 / T(length) : 1
        lines.forEachLine { inputBase, outputBase in
            if realOutput {
                buffer.loadHermitian(x + inputBase, available: available, stride: lines.inputStride, complex: complex)
            } else {
                buffer.load(x + inputBase, available: available, stride: lines.inputStride, complex: complex)
            }
            buffer.transform(plan, inverse: inverse, scale: scale)
            buffer.store(y + outputBase, count: outputLength, stride: lines.outputStride, complex: !realOutput)
        }
    }
}
