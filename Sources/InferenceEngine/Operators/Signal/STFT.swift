/// STFT: the DFT of overlapping frames of a [batch, length, 1 or 2] signal. Frame f starts at
/// f * frame_step, is multiplied by the window (all ones when absent) and transformed with
/// length `frame_length` (the window's length by default); `onesided` (the default) keeps the
/// frame_length / 2 + 1 non-redundant bins. Output [batch, frames, bins, 2].
struct STFTOperator: Operator {
    let onesided: Bool

    init(context: OperatorBuildContext) throws {
        onesided = try context.attributes.int("onesided", default: 1) != 0
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let op = "STFT"
        let signal = try inputs.required(0, "signal")
        let shape = signal.shape
        guard signal.elementType.isFloatingPoint else { throw OperatorFailure("\(op) needs a floating-point signal, got \(signal.elementType)") }
        guard shape.count == 3, shape[2] == 1 || shape[2] == 2 else {
            throw OperatorFailure("\(op) signal must be [batch, length, 1 or 2], got \(shape)")
        }
        let step = try IndexCheck.scalarInt(inputs.required(1, "frame_step"), op: op, "frame_step")
        let window = inputs.optional(2)
        if let window {
            guard window.rank == 1, window.elementType.isFloatingPoint else {
                throw OperatorFailure("\(op) window must be a float vector, got \(window.elementType) \(window.shape)")
            }
        }
        let length =
            try inputs.optional(3).map { try IndexCheck.scalarInt($0, op: op, "frame_length") }
            ?? window?.shape[0] ?? shape[1]
        let windowLength = window?.shape[0] ?? length
        let signalLength = shape[1]
        let batch = shape[0]
        guard step >= 1, length >= 1, length <= FourierLines.maximumLength, length <= signalLength, windowLength <= signalLength else {
            throw OperatorFailure(
                "\(op) needs frame_step >= 1 and frames of 1...\(signalLength) samples, got step \(step), frame_length \(length), window \(windowLength)")
        }
        let frameCount = 1 + (signalLength - length) / step
        let bins = onesided ? length / 2 + 1 : length
        let outputShape = [batch, frameCount, bins, 2]
        _ = try context.checkedByteCount(.double, outputShape)

        // Forward transforms run in float64, as numpy's (which the ONNX test data comes from) do.
        let precision = ElementType.double
        let source = TensorCast.convert(signal, to: precision, context: context)
        let weights =
            try window.map { TensorCast.convert($0, to: precision, context: context) }
            ?? GeneratedOutputType.tensor([Double](repeating: 1, count: windowLength), shape: [windowLength], type: precision, context: context)
        let output = try context.allocate(precision, outputShape)
        let frames = Frames(
            batch: batch, signalLength: signalLength, components: shape[2], step: step, count: frameCount,
            windowLength: windowLength, length: length, bins: bins)
        frames.transform(Double.self, source, weights, output)
        return [TensorCast.convert(output, to: signal.elementType, context: context)]
    }

    private struct Frames {
        let batch: Int, signalLength: Int, components: Int
        let step: Int, count: Int
        let windowLength: Int, length: Int, bins: Int

        func transform<T: BinaryFloatingPoint>(_: T.Type, _ source: Tensor, _ window: Tensor, _ output: Tensor) {
            let plan = FourierTransform<T>(length: length)
            let buffer = FourierBuffer<T>(length: length)
            defer { buffer.deallocate() }
            let x = source.pointer(as: T.self)
            let w = window.pointer(as: T.self)
            let y = output.mutablePointer(as: T.self)
            for b in 0..<batch {
                for f in 0..<count {
                    let start = f * step
                    // The last frames may run past the signal when the window is longer than frame_length.
                    let available = min(windowLength, signalLength - start)
                    buffer.load(
                        x + (b * signalLength + start) * components, available: available, stride: components,
                        complex: components == 2, window: w)
                    buffer.transform(plan, inverse: false, scale: 1)
                    buffer.store(y + (b * count + f) * bins * 2, count: bins, stride: 2, complex: true)
                }
            }
        }
    }
}
