/// The additive bias of one (batch, head) score matrix `[queries, keys]`: the attention mask plus
/// `-inf` wherever causality, the sliding window or the padding length forbids a key.
///
/// Every constraint is added rather than selected, as the ONNX function body does, so a float
/// mask keeps its values at allowed positions and `+inf` meeting `-inf` gives the same NaN.
struct AttentionBias {
    /// The mask as additive float values (a boolean mask already mapped to 0 / -inf), read with
    /// `maskStrides` over (batch, head, query, key); nil without a mask.
    let mask: UnsafePointer<Float>?
    let maskStrides: [Int]
    /// Keys at or past this index have no mask value: the mask is padded with -inf up to them.
    let maskLength: Int
    let causal: Bool
    let leftWindow: Int
    let rightWindow: Int
    /// Per batch, how many valid keys precede the query block (past length, or nonpad length
    /// minus the query count); the causal and window frontiers are shifted by it.
    let offsets: [Int]
    /// Per batch, the number of non-padding keys (`nonpad_kv_seqlen`); nil when all are valid.
    /// Offsets and lengths are clamped by the caller to `0...keys + queries`, which keeps every
    /// frontier in range without changing which keys are allowed.
    let validKeys: [Int]?

    /// Whether any constraint applies; without one the bias is all zero and is skipped.
    var isEmpty: Bool { mask == nil && !causal && leftWindow < 0 && rightWindow < 0 && validKeys == nil }

    /// Right-aligns `maskShape` against `[batch, heads, queries, keys]`, checking it broadcasts
    /// (its last axis may instead be shorter than `keys`). Returns strides and the key length.
    static func maskStrides(
        _ maskShape: [Int], batch: Int, heads: Int, queries: Int, keys: Int,
        op: String
    ) throws -> (strides: [Int], length: Int) {
        guard (1...4).contains(maskShape.count), let length = maskShape.last else {
            throw OperatorFailure("\(op): attn_mask must have rank 1 to 4, got shape \(maskShape)")
        }
        guard length <= keys else {
            throw OperatorFailure("\(op): attn_mask \(maskShape) has more than the \(keys) keys of K (past included)")
        }
        let target = [batch, heads, queries, length]
        let padded = [Int](repeating: 1, count: 4 - maskShape.count) + maskShape
        for axis in 0..<3 where padded[axis] != 1 && padded[axis] != target[axis] {
            throw OperatorFailure("\(op): attn_mask \(maskShape) does not broadcast to \(target.dropLast() + [keys])")
        }
        return (Broadcast.strides(of: padded, in: target), length)
    }

    /// Writes the `[queries, keys]` bias of (batch, head) into `bias`.
    func fill(batch: Int, head: Int, queries: Int, keys: Int, into bias: UnsafeMutablePointer<Float>) {
        let offset = offsets[batch]
        let valid = validKeys?[batch] ?? keys
        let masked = -Float.infinity
        for i in 0..<queries {
            let row = bias + i &* keys
            if let mask {
                let base = batch &* maskStrides[0] &+ head &* maskStrides[1]
                let start = mask + (base &+ i &* maskStrides[2])
                let step = maskStrides[3]
                let inMask = min(maskLength, keys)
                for j in 0..<inMask { row[j] = start[j &* step] }
                for j in inMask..<keys { row[j] = masked }
            } else {
                row.update(repeating: 0, count: keys)
            }
            // Query i sits at absolute position i + offset among the keys.
            let position = i &+ offset
            if causal {
                for j in min(max(position &+ 1, 0), keys)..<keys { row[j] += masked }
            }
            if leftWindow >= 0 {
                for j in 0..<min(max(position &- leftWindow, 0), keys) { row[j] += masked }
            }
            if rightWindow >= 0 {
                for j in max(min(position &+ rightWindow &+ 1, keys), 0)..<keys { row[j] += masked }
            }
            if valid < keys {
                for j in max(valid, 0)..<keys { row[j] += masked }
            }
        }
    }
}
