/// LinearAttention (opset 27): attention as a recurrence over a `[d_k, d_v]` state per key/value
/// head, for decode (one token) and prefill alike. Per token, with g the log-space decay and β
/// the update rate:
///
///     S ← exp(g) · S                          (gated rules)
///     v ← β · (v − Sᵀk)                       (delta rules)
///     S ← S + k ⊗ v
///     o ← scale · qᵀS                         (for each query head sharing the KV head)
///
/// Runs the recurrence token by token in float32, which is exact to the definition; the
/// `chunk_size` hint for chunk-parallel prefill is accepted and ignored.
struct LinearAttentionOperator: Operator {
    let qHeads: Int
    let kvHeads: Int
    let scale: Float
    let gated: Bool
    let delta: Bool

    init(_ context: OperatorBuildContext) throws {
        guard let q = try context.attributes.int("q_num_heads"), let kv = try context.attributes.int("kv_num_heads") else {
            throw context.invalid("q_num_heads and kv_num_heads are required")
        }
        guard q > 0, kv > 0, q % kv == 0 else {
            throw context.invalid("q_num_heads \(q) must be a positive multiple of kv_num_heads \(kv)")
        }
        qHeads = q
        kvHeads = kv
        scale = try context.attributes.float("scale", default: 0)
        let rule = try context.attributes.string("update_rule", default: "gated_delta")
        switch rule {
        case "linear": (gated, delta) = (false, false)
        case "gated": (gated, delta) = (true, false)
        case "delta": (gated, delta) = (false, true)
        case "gated_delta": (gated, delta) = (true, true)
        default: throw context.invalid("update_rule '\(rule)' is not linear, gated, delta or gated_delta")
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let query = try inputs.required(0, "query")
        let key = try inputs.required(1, "key")
        let value = try inputs.required(2, "value")
        let past = inputs.optional(3)
        let decay = inputs.optional(4)
        let beta = inputs.optional(5)
        guard (decay != nil) == gated, (beta != nil) == delta else {
            throw OperatorFailure("LinearAttention: this update_rule \(gated ? "requires" : "forbids") decay and \(delta ? "requires" : "forbids") beta")
        }
        for (tensor, name) in [(query, "query"), (key, "key"), (value, "value"), (past, "past_state"), (decay, "decay"), (beta, "beta")] {
            guard let tensor else { continue }
            try tensor.require(ElementType.floats, "LinearAttention \(name)")
            guard tensor.rank == (name == "past_state" ? 4 : 3) else {
                throw OperatorFailure("LinearAttention: \(name) must be \(name == "past_state" ? 4 : 3)-D, got \(tensor.shape)")
            }
        }
        let q = try HeadLayout(query, heads: qHeads, attribute: "q_num_heads", op: "LinearAttention", "query")
        let k = try HeadLayout(key, heads: kvHeads, attribute: "kv_num_heads", op: "LinearAttention", "key")
        let v = try HeadLayout(value, heads: kvHeads, attribute: "kv_num_heads", op: "LinearAttention", "value")
        let batch = q.batch
        let steps = q.sequence
        let dk = q.headSize
        let dv = v.headSize
        guard k.batch == batch, v.batch == batch, k.sequence == steps, v.sequence == steps, k.headSize == dk else {
            throw OperatorFailure("LinearAttention: query \(query.shape), key \(key.shape) and value \(value.shape) disagree")
        }
        let stateShape = [batch, kvHeads, dk, dv]
        if let past, past.shape != stateShape {
            throw OperatorFailure("LinearAttention: past_state \(past.shape) must be \(stateShape)")
        }
        // Decay is per key feature [B, T, H·d_k] or per head [B, T, H]; beta per head or shared.
        var decayLayout: HeadLayout?
        var betaLayout: HeadLayout?
        if let decay {
            let perHead = decay.shape.last == kvHeads
            guard decay.shape == [batch, steps, kvHeads * (perHead ? 1 : dk)] else {
                throw OperatorFailure("LinearAttention: decay \(decay.shape) must be [\(batch), \(steps), \(kvHeads) or \(kvHeads * dk)]")
            }
            decayLayout = HeadLayout(packedBatch: batch, heads: kvHeads, sequence: steps, headSize: perHead ? 1 : dk)
        }
        if let beta {
            guard beta.shape == [batch, steps, kvHeads] || beta.shape == [batch, steps, 1] else {
                throw OperatorFailure("LinearAttention: beta \(beta.shape) must be [\(batch), \(steps), \(kvHeads) or 1]")
            }
            betaLayout = HeadLayout(packedBatch: batch, heads: beta.shape[2], sequence: steps, headSize: 1)
        }

        let widen = { (tensor: Tensor) in tensor.elementType == .float ? tensor : TensorCast.convert(tensor, to: .float, context: context) }
        let qf = widen(query)
        let kf = widen(key)
        let vf = widen(value)
        let decayF = decay.map(widen)
        let betaF = beta.map(widen)
        let state = try context.allocate(.float, stateShape)
        if let past { state.mutablePointer(as: Float.self).update(from: widen(past).pointer(as: Float.self), count: state.count) }
        let output = try context.allocate(.float, [batch, steps, qHeads * dv])
        let o = HeadLayout(packedBatch: batch, heads: qHeads, sequence: steps, headSize: dv)
        let outputScale = scale == 0 ? 1 / Float(dk).squareRoot() : scale
        let group = qHeads / kvHeads
        let corrected = try context.allocate(.float, [dv])
        let update = corrected.mutablePointer(as: Float.self)

        let qBase = qf.pointer(as: Float.self)
        let kBase = kf.pointer(as: Float.self)
        let vBase = vf.pointer(as: Float.self)
        let stateBase = state.mutablePointer(as: Float.self)
        let outBase = output.mutablePointer(as: Float.self)
        for b in 0..<batch {
            for h in 0..<kvHeads {
                let s = stateBase + (b &* kvHeads &+ h) &* dk &* dv
                for t in 0..<steps {
                    let kt = kBase + (k.offset(b, h) &+ t &* k.rowStride)
                    let vt = vBase + (v.offset(b, h) &+ t &* v.rowStride)
                    if let decayF, let layout = decayLayout {
                        let g = decayF.pointer(as: Float.self) + (layout.offset(b, h) &+ t &* layout.rowStride)
                        for d in 0..<dk {
                            let factor = expf(g[layout.headSize == 1 ? 0 : d])
                            let row = s + d &* dv
                            for m in 0..<dv { row[m] *= factor }
                        }
                    }
                    update.update(from: vt, count: dv)
                    if let betaF, let layout = betaLayout {
                        let rate = betaF.pointer(as: Float.self)[layout.offset(b, layout.heads == 1 ? 0 : h) &+ t &* layout.rowStride]
                        // Sᵀk: what the state already recalls for this key.
                        for d in 0..<dk { Sgemm.axpy(n: dv, scale: -kt[d], x: s + d &* dv, y: update) }
                        for m in 0..<dv { update[m] *= rate }
                    }
                    for d in 0..<dk { Sgemm.axpy(n: dv, scale: kt[d], x: update, y: s + d &* dv) }
                    for g in 0..<group {
                        let head = h &* group &+ g
                        let qt = qBase + (q.offset(b, head) &+ t &* q.rowStride)
                        let ot = outBase + (o.offset(b, head) &+ t &* o.rowStride)
                        for d in 0..<dk { Sgemm.axpy(n: dv, scale: qt[d], x: s + d &* dv, y: ot) }
                        for m in 0..<dv { ot[m] *= outputScale }
                    }
                }
            }
        }
        return [
            TensorCast.convert(output, to: query.elementType, context: context),
            TensorCast.convert(state, to: past?.elementType ?? query.elementType, context: context)
        ]
    }
}
