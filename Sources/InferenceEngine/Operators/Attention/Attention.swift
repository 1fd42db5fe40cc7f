/// Attention (opset 23+): scaled dot-product attention over 3-D packed or 4-D multi-head Q/K/V,
/// with grouped-query heads, a boolean or additive mask, bottom-right causal masking, a KV cache
/// (`past_*` in, `present_*` out), `nonpad_kv_seqlen` padding (24+), sliding windows (25+),
/// softcap and the `qk_matmul_output` debug output.
///
/// Everything is computed in float32: 16-bit inputs are widened (and the softmax input and the
/// probabilities rounded back to 16 bits, as the specification's casts do); float64 is narrowed,
/// which the conformance tolerance allows.
struct AttentionOperator: Operator {
    let opset: Int
    let qNumHeads: Int?
    let kvNumHeads: Int?
    let scale: Float?
    let isCausal: Bool
    let softcap: Float
    let qkMode: Int
    /// A 16-bit softmax precision; float32 and float64 need no rounding in a float32 computation.
    let softmaxRounding: ElementType?
    let leftWindow: Int
    let rightWindow: Int
    let wantsPresent: Bool
    let wantsQK: Bool

    init(_ context: OperatorBuildContext) throws {
        let attributes = context.attributes
        opset = context.opset
        qNumHeads = try attributes.int("q_num_heads")
        kvNumHeads = try attributes.int("kv_num_heads")
        scale = try attributes.float("scale")
        isCausal = try attributes.int("is_causal", default: 0) != 0
        softcap = try attributes.float("softcap", default: 0)
        qkMode = try attributes.int("qk_matmul_output_mode", default: 0)
        guard (0...3).contains(qkMode) else { throw context.invalid("qk_matmul_output_mode \(qkMode) is not 0, 1, 2 or 3") }
        if let precision = try attributes.int("softmax_precision") {
            switch Int32(exactly: precision).flatMap(ElementType.init(rawValue:)) {
            case .float, .double: softmaxRounding = nil
            case .float16: softmaxRounding = .float16
            case .bfloat16: softmaxRounding = .bfloat16
            default: throw context.invalid("softmax_precision \(precision) is not FLOAT, FLOAT16, DOUBLE or BFLOAT16")
            }
        } else {
            softmaxRounding = nil
        }
        leftWindow = try attributes.int("left_window_size", default: -1)
        rightWindow = try attributes.int("right_window_size", default: -1)
        guard leftWindow >= -1, rightWindow >= -1 else {
            throw context.invalid("window sizes must be -1 or non-negative, got left \(leftWindow), right \(rightWindow)")
        }
        for (name, heads) in [("q_num_heads", qNumHeads), ("kv_num_heads", kvNumHeads)] {
            if let heads, heads <= 0 { throw context.invalid("\(name) must be positive, got \(heads)") }
        }
        let outputs = context.node.outputs
        wantsPresent = outputs.dropFirst().prefix(2).contains { !$0.isEmpty }
        wantsQK = outputs.count > 3 && !outputs[3].isEmpty
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let q = try inputs.required(0, "Q")
        let k = try inputs.required(1, "K")
        let v = try inputs.required(2, "V")
        let mask = inputs.optional(3)
        let pastKey = inputs.optional(4)
        let pastValue = inputs.optional(5)
        let nonpad = opset >= 24 ? inputs.optional(6) : nil
        for (tensor, name) in [(q, "Q"), (k, "K"), (v, "V"), (pastKey, "past_key"), (pastValue, "past_value")] {
            if let tensor { try tensor.require(ElementType.floats, "Attention \(name)") }
        }
        guard q.rank == k.rank, q.rank == v.rank, q.rank == 3 || q.rank == 4 else {
            throw OperatorFailure("Attention: Q, K and V must all be 3-D or all 4-D, got \(q.shape), \(k.shape), \(v.shape)")
        }
        if opset >= 25, q.rank == 4, qNumHeads != nil || kvNumHeads != nil {
            throw OperatorFailure("Attention: q_num_heads and kv_num_heads must not be set for 4-D inputs")
        }
        guard (pastKey == nil) == (pastValue == nil) else {
            throw OperatorFailure("Attention: past_key and past_value must be given together")
        }
        guard nonpad == nil || pastKey == nil else {
            throw OperatorFailure("Attention: nonpad_kv_seqlen cannot be combined with past_key/past_value")
        }

        let widen = { (tensor: Tensor) in tensor.elementType == .float ? tensor : TensorCast.convert(tensor, to: .float, context: context) }
        let qf = widen(q)
        let kf = widen(k)
        let vf = widen(v)
        let qLayout = try HeadLayout(qf, heads: qNumHeads, attribute: "q_num_heads", op: "Attention", "Q")
        let kLayout = try HeadLayout(kf, heads: kvNumHeads, attribute: "kv_num_heads", op: "Attention", "K")
        let vLayout = try HeadLayout(vf, heads: kvNumHeads, attribute: "kv_num_heads", op: "Attention", "V")
        let batch = qLayout.batch
        let queries = qLayout.sequence
        let headSize = qLayout.headSize
        let kvHeads = kLayout.heads
        let valueSize = vLayout.headSize
        guard kLayout.batch == batch, vLayout.batch == batch, vLayout.heads == kvHeads, vLayout.sequence == kLayout.sequence,
            kLayout.headSize == headSize
        else {
            throw OperatorFailure("Attention: Q \(q.shape), K \(k.shape) and V \(v.shape) disagree on batch, heads, length or head size")
        }
        guard kvHeads > 0, qLayout.heads % kvHeads == 0 else {
            throw OperatorFailure("Attention: \(qLayout.heads) query heads are not a multiple of \(kvHeads) key/value heads")
        }

        var past = 0
        if let pastKey, let pastValue {
            guard pastKey.rank == 4 else { throw OperatorFailure("Attention: past_key must be 4-D, got \(pastKey.shape)") }
            past = pastKey.shape[2]
            guard pastKey.shape == [batch, kvHeads, past, headSize], pastValue.shape == [batch, kvHeads, past, valueSize] else {
                throw OperatorFailure(
                    "Attention: past_key \(pastKey.shape) and past_value \(pastValue.shape) do not match "
                        + "[\(batch), \(kvHeads), past, \(headSize) / \(valueSize)]")
            }
        }
        let keys = past + kLayout.sequence

        // With a cache the keys are its concatenation with K and V, which are also outputs.
        var presentKey: Tensor?
        var presentValue: Tensor?
        var keySource = (pointer: kf.pointer(as: Float.self), layout: kLayout)
        var valueSource = (pointer: vf.pointer(as: Float.self), layout: vLayout)
        if pastKey != nil || wantsPresent {
            let key = try concatenate(pastKey.map(widen), kf, kLayout, keys: keys, context: context)
            let value = try concatenate(pastValue.map(widen), vf, vLayout, keys: keys, context: context)
            keySource = (key.pointer(as: Float.self), HeadLayout(batch: batch, heads: kvHeads, sequence: keys, headSize: headSize))
            valueSource = (value.pointer(as: Float.self), HeadLayout(batch: batch, heads: kvHeads, sequence: keys, headSize: valueSize))
            presentKey = key
            presentValue = value
        }

        let bias = try makeBias(
            mask: mask, nonpad: nonpad, batch: batch, heads: qLayout.heads, queries: queries,
            keys: keys, past: past, context: context)
        let yLayout =
            q.rank == 4
            ? HeadLayout(batch: batch, heads: qLayout.heads, sequence: queries, headSize: valueSize)
            : HeadLayout(packedBatch: batch, heads: qLayout.heads, sequence: queries, headSize: valueSize)
        let y = try context.allocate(.float, q.rank == 4 ? yLayout.shape4D : [batch, queries, qLayout.heads * valueSize])
        let qk = wantsQK ? try context.allocate(.float, [batch, qLayout.heads, queries, keys]) : nil
        let scores = try context.allocate(.float, [queries, keys])
        let biasRows = bias.isEmpty ? nil : try context.allocate(.float, [queries, keys])

        let narrow = FloatWidening.isNarrow(q.elementType) ? q.elementType : nil
        let settings = AttentionKernel.Settings(
            alpha: attentionAlpha(headSize: headSize), softcap: softcap, qkMode: qkMode,
            softmaxRounding: softmaxRounding ?? narrow, probabilityRounding: narrow)
        let group = qLayout.heads / kvHeads
        let qBase = qf.pointer(as: Float.self)
        let yBase = y.mutablePointer(as: Float.self)
        let scoreBase = scores.mutablePointer(as: Float.self)
        let biasBase = biasRows?.mutablePointer(as: Float.self)
        for b in 0..<batch {
            for h in 0..<qLayout.heads {
                let kvHead = h / group
                if let biasBase { bias.fill(batch: b, head: h, queries: queries, keys: keys, into: biasBase) }
                let operands = AttentionKernel.Operands(
                    q: qBase + qLayout.offset(b, h), qRowStride: qLayout.rowStride,
                    k: keySource.pointer + keySource.layout.offset(b, kvHead), kRowStride: keySource.layout.rowStride,
                    v: valueSource.pointer + valueSource.layout.offset(b, kvHead), vRowStride: valueSource.layout.rowStride,
                    y: yBase + yLayout.offset(b, h), yRowStride: yLayout.rowStride,
                    qk: qk.map { $0.mutablePointer(as: Float.self) + (b &* qLayout.heads &+ h) &* queries &* keys })
                AttentionKernel.run(
                    operands, queries: queries, keys: keys, headSize: headSize, valueSize: valueSize,
                    settings: settings, bias: biasBase.map { UnsafePointer($0) }, scores: scoreBase)
            }
        }

        let none = Tensor(zeros: .float, shape: [0])
        let narrowed = { (tensor: Tensor?, type: ElementType) in
            tensor.map { TensorCast.convert($0, to: type, context: context) } ?? none
        }
        return [
            narrowed(y, q.elementType), narrowed(presentKey, k.elementType),
            narrowed(presentValue, v.elementType), narrowed(qk, q.elementType)
        ]
    }

    /// The specification scales Q and K by √scale each (to keep the product in range in 16-bit
    /// types); in float32 one scale of the product, rounded the same way, is equivalent.
    private func attentionAlpha(headSize: Int) -> Float {
        let root = Float((Double(scale ?? Float(1 / Double(headSize).squareRoot()))).squareRoot())
        return root * root
    }

    /// `[batch, heads, keys, size]`: the cache rows followed by the new ones.
    private func concatenate(
        _ past: Tensor?, _ new: Tensor, _ layout: HeadLayout, keys: Int,
        context: ExecutionContext
    ) throws -> Tensor {
        let result = try context.allocate(.float, [layout.batch, layout.heads, keys, layout.headSize])
        let destination = result.mutablePointer(as: Float.self)
        if let past {
            HeadLayout(batch: layout.batch, heads: layout.heads, sequence: past.shape[2], headSize: layout.headSize)
                .copyRows(from: past.pointer(as: Float.self), into: destination, total: keys, at: 0)
        }
        layout.copyRows(from: new.pointer(as: Float.self), into: destination, total: keys, at: keys - layout.sequence)
        return result
    }

    private func makeBias(
        mask: Tensor?, nonpad: Tensor?, batch: Int, heads: Int, queries: Int, keys: Int, past: Int,
        context: ExecutionContext
    ) throws -> AttentionBias {
        var additive: Tensor?
        var strides = [0, 0, 0, 0]
        var length = keys
        if let mask {
            (strides, length) = try AttentionBias.maskStrides(
                mask.shape, batch: batch, heads: heads, queries: queries,
                keys: keys, op: "Attention")
            if mask.elementType == .bool {
                let values = try context.allocate(.float, mask.shape)
                let source = mask.pointer(as: Bool.self)
                let target = values.mutablePointer(as: Float.self)
                for index in 0..<mask.count { target[index] = source[index] ? 0 : -.infinity }
                additive = values
            } else {
                try mask.require(ElementType.floats, "Attention attn_mask")
                additive = TensorCast.convert(mask, to: .float, context: context)
            }
        }
        // Clamped to 0...keys + queries: beyond it every key is allowed, below it none.
        let limit = keys + queries
        let lengths = try nonpad.map { tensor -> [Int] in
            let values = try tensor.intValues("Attention nonpad_kv_seqlen")
            guard values.count == batch else {
                throw OperatorFailure("Attention: nonpad_kv_seqlen \(tensor.shape) must hold one length per batch (\(batch))")
            }
            return values.map { min(max($0, 0), limit) }
        }
        let offsets = lengths.map { $0.map { $0 - queries } } ?? [Int](repeating: past, count: batch)
        return AttentionBias(
            mask: additive.map { $0.pointer(as: Float.self) }, maskStrides: strides, maskLength: length,
            causal: isCausal, leftWindow: leftWindow, rightWindow: rightWindow,
            offsets: offsets, validKeys: lengths)
    }
}
