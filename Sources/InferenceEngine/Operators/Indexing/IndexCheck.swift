/// Checks for positions that come from tensor data. A model's indices are untrusted input: every
/// one is resolved against its dimension before any memory is touched, so a bad index becomes an
/// `OperatorFailure` naming the index and the dimension instead of a read out of bounds.
enum IndexCheck {
    /// `index` resolved against `dimension`, negative values counting from the end as ONNX allows.
    @inline(__always)
    static func resolve(_ index: Int, dimension: Int, op: String, axis: Int) throws -> Int {
        // index ≥ Int64.min and dimension ≥ 0, so the sum cannot overflow.
        let resolved = index < 0 ? index &+ dimension : index
        guard resolved >= 0, resolved < dimension else {
            throw OperatorFailure("\(op): index \(index) is out of range for axis \(axis) of size \(dimension)")
        }
        return resolved
    }

    /// The axis of a tensor that must have at least one dimension, with a message naming the operator.
    static func axis(_ axis: Int, of tensor: Tensor, op: String, _ what: String = "axis") throws -> Int {
        guard tensor.rank >= 1 else { throw OperatorFailure("\(op) needs an input of rank >= 1, got a scalar") }
        return try normalizedAxis(axis, rank: tensor.rank, "\(op) \(what)")
    }

    /// Index values of an int32 or int64 tensor.
    static func indexValues(_ tensor: Tensor, op: String, _ what: String = "indices") throws -> [Int] {
        try tensor.intValues("\(op) \(what)")
    }

    /// A count or axis given as a one-element int32/int64 tensor (CumSum's axis, TopK's k).
    static func scalarInt(_ tensor: Tensor, op: String, _ what: String) throws -> Int {
        let values = try tensor.intValues("\(op) \(what)")
        guard values.count == 1, tensor.rank <= 1 else {
            throw OperatorFailure("\(op) \(what) must be a scalar or one-element vector, has shape \(tensor.shape)")
        }
        return values[0]
    }
}

extension Array where Element == Int {
    /// Product of the dimensions in `range` (1 when empty).
    func product(_ range: Range<Int>) -> Int { self[range].reduce(1, *) }
}
