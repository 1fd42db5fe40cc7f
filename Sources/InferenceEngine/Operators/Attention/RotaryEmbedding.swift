/// RotaryEmbedding (opset 23): rotates pairs of features of every head by position-dependent
/// angles given as cos/sin caches, either indexed by `position_ids` (`[maxPosition, rotary/2]`
/// caches) or already laid out per token (`[batch, sequence, rotary/2]`). Pairs are the two
/// halves of the rotated part, or adjacent features when `interleaved`; features past
/// `rotary_embedding_dim` pass through.
struct RotaryEmbeddingOperator: Operator {
    let numHeads: Int?
    let rotaryDimension: Int
    let interleaved: Bool

    init(_ context: OperatorBuildContext) throws {
        numHeads = try context.attributes.int("num_heads")
        rotaryDimension = try context.attributes.int("rotary_embedding_dim", default: 0)
        interleaved = try context.attributes.int("interleaved", default: 0) != 0
        if let numHeads, numHeads <= 0 { throw context.invalid("num_heads must be positive, got \(numHeads)") }
        guard rotaryDimension >= 0 else { throw context.invalid("rotary_embedding_dim must not be negative, got \(rotaryDimension)") }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "input")
        let cos = try inputs.required(1, "cos_cache")
        let sin = try inputs.required(2, "sin_cache")
        for (tensor, name) in [(x, "input"), (cos, "cos_cache"), (sin, "sin_cache")] {
            try tensor.require(ElementType.floats, "RotaryEmbedding \(name)")
        }
        // 4-D input is [batch, heads, sequence, head]; 3-D packs the heads into the last axis.
        let layout = try HeadLayout(x, heads: x.rank == 4 ? nil : numHeads, attribute: "num_heads", op: "RotaryEmbedding", "input")
        let rotary = rotaryDimension == 0 ? layout.headSize : rotaryDimension
        guard rotary % 2 == 0, rotary <= layout.headSize else {
            throw OperatorFailure("RotaryEmbedding: rotary dimension \(rotary) must be even and at most the head size \(layout.headSize)")
        }
        let half = rotary / 2
        let rows = try cacheRows(inputs.optional(3), cos: cos, sin: sin, batch: layout.batch, sequence: layout.sequence, half: half)

        let widen = { (tensor: Tensor) in tensor.elementType == .float ? tensor : TensorCast.convert(tensor, to: .float, context: context) }
        let xf = widen(x)
        let cf = widen(cos)
        let sf = widen(sin)
        let output = try context.allocate(.float, x.shape)
        let source = xf.pointer(as: Float.self)
        let target = output.mutablePointer(as: Float.self)
        let cosBase = cf.pointer(as: Float.self)
        let sinBase = sf.pointer(as: Float.self)
        // Pair p is (p, p + half) for split halves, (2p, 2p + 1) interleaved.
        let firstStride = interleaved ? 2 : 1
        let secondOffset = interleaved ? 1 : half
        for b in 0..<layout.batch {
            for s in 0..<layout.sequence {
                let cacheRow = rows[b &* layout.sequence &+ s] &* half
                let c = cosBase + cacheRow
                let n = sinBase + cacheRow
                for h in 0..<layout.heads {
                    let offset = layout.offset(b, h) &+ s &* layout.rowStride
                    let from = source + offset
                    let to = target + offset
                    for p in 0..<half {
                        let i = p &* firstStride
                        let j = i &+ secondOffset
                        let x1 = from[i]
                        let x2 = from[j]
                        to[i] = c[p] * x1 - n[p] * x2
                        to[j] = n[p] * x1 + c[p] * x2
                    }
                    for f in rotary..<layout.headSize { to[f] = from[f] }
                }
            }
        }
        return [TensorCast.convert(output, to: x.elementType, context: context)]
    }

    /// The cache row of each (batch, position) token, checked against the caches' shapes.
    private func cacheRows(_ positions: Tensor?, cos: Tensor, sin: Tensor, batch: Int, sequence: Int, half: Int) throws -> [Int] {
        guard cos.shape == sin.shape, cos.shape.last == half else {
            throw OperatorFailure("RotaryEmbedding: cos_cache \(cos.shape) and sin_cache \(sin.shape) must match, with last axis \(half)")
        }
        guard let positions else {
            guard cos.shape == [batch, sequence, half] else {
                throw OperatorFailure("RotaryEmbedding: without position_ids the caches must be [\(batch), \(sequence), \(half)], got \(cos.shape)")
            }
            return Array(0..<(batch * sequence))
        }
        guard cos.rank == 2 else {
            throw OperatorFailure("RotaryEmbedding: with position_ids the caches must be 2-D, got \(cos.shape)")
        }
        guard positions.shape == [batch, sequence] else {
            throw OperatorFailure("RotaryEmbedding: position_ids \(positions.shape) must be [\(batch), \(sequence)]")
        }
        return try positions.intValues("RotaryEmbedding position_ids").map {
            try IndexCheck.resolve($0, dimension: cos.shape[0], op: "RotaryEmbedding position_ids", axis: 0)
        }
    }
}
