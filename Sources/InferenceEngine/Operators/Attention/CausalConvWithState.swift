/// CausalConvWithState (opset 27): a depthwise 1-D convolution that sees only current and past
/// positions, continuing from a carried state of the last `k - 1` inputs (zeros when absent), with
/// an optional fused SiLU. It returns the new carry so decoding can proceed one token at a time.
///
/// Each channel is a k-tap filter over the sequence `past ++ input`; rather than materialize that
/// concatenation, taps reading before the input's start read the state.
struct CausalConvWithStateOperator: Operator {
    let silu: Bool

    init(_ context: OperatorBuildContext) throws {
        let activation = try context.attributes.string("activation", default: "none")
        switch activation {
        case "none": silu = false
        case "silu", "swish": silu = true
        default: throw context.invalid("activation '\(activation)' is not none, silu or swish")
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let input = try inputs.required(0, "input")
        let weight = try inputs.required(1, "weight")
        let bias = inputs.optional(2)
        let past = inputs.optional(3)
        for (tensor, name) in [(input, "input"), (weight, "weight"), (bias, "bias"), (past, "past_state")] {
            if let tensor { try tensor.require(ElementType.floats, "CausalConvWithState \(name)") }
        }
        guard input.rank == 3 else { throw OperatorFailure("CausalConvWithState: input must be 3-D, got \(input.shape)") }
        let batch = input.shape[0]
        let channels = input.shape[1]
        let length = input.shape[2]
        guard weight.rank == 3, weight.shape[0] == channels, weight.shape[1] == 1, weight.shape[2] >= 1 else {
            throw OperatorFailure("CausalConvWithState: weight \(weight.shape) must be [\(channels), 1, k] with k >= 1")
        }
        let taps = weight.shape[2]
        let carry = taps - 1
        if let bias, bias.shape != [channels] {
            throw OperatorFailure("CausalConvWithState: bias \(bias.shape) must be [\(channels)]")
        }
        if let past, past.shape != [batch, channels, carry] {
            throw OperatorFailure("CausalConvWithState: past_state \(past.shape) must be [\(batch), \(channels), \(carry)]")
        }

        let widen = { (tensor: Tensor) in tensor.elementType == .float ? tensor : TensorCast.convert(tensor, to: .float, context: context) }
        let x = widen(input).pointer(as: Float.self)
        let w = widen(weight).pointer(as: Float.self)
        let biasValues = bias.map { widen($0).pointer(as: Float.self) }
        let state = past.map { widen($0).pointer(as: Float.self) }
        let output = try context.allocate(.float, input.shape)
        let present = try context.allocate(.float, [batch, channels, carry])
        let y = output.mutablePointer(as: Float.self)
        let next = present.mutablePointer(as: Float.self)
        // Element `p` of the padded sequence `past ++ input` (p in 0..<carry + length).
        @inline(__always) func padded(_ xRow: UnsafePointer<Float>, _ stateRow: UnsafePointer<Float>?, _ p: Int) -> Float {
            p >= carry ? xRow[p &- carry] : stateRow?[p] ?? 0
        }
        for b in 0..<batch {
            for c in 0..<channels {
                let row = b &* channels &+ c
                let xRow = x + row &* length
                let yRow = y + row &* length
                let filter = w + c &* taps
                let stateRow = state.map { $0 + row &* carry }
                let shift = biasValues?[c] ?? 0
                for l in 0..<length {
                    var sum: Float = 0
                    for i in 0..<taps { sum += padded(xRow, stateRow, l &+ i) * filter[i] }
                    yRow[l] = sum + shift
                }
                // The carry is the last k - 1 positions of the padded sequence.
                let nextRow = next + row &* carry
                for p in 0..<carry { nextRow[p] = padded(xRow, stateRow, length &+ p) }
            }
        }
        if silu {
            // The convolution is rounded to the data type before the activation, as the definition casts.
            if FloatWidening.isNarrow(input.elementType) { AttentionKernel.round(y, output.count, to: input.elementType) }
            for i in 0..<output.count { y[i] = y[i] / (1 + expf(-y[i])) }
        }
        return [
            TensorCast.convert(output, to: input.elementType, context: context),
            TensorCast.convert(present, to: input.elementType, context: context)
        ]
    }
}
