/// Checks and conversions of the small parameter tensors (scale, bias, statistics) that the
/// normalization operators apply to their data.
enum NormalizationParameters {
    /// The data tensor, required to be floating point, with its rank checked.
    static func data(_ inputs: [Tensor?], minimumRank: Int, op: String) throws -> Tensor {
        let x = try inputs.required(0, "X")
        guard x.elementType.isFloatingPoint else { throw OperatorFailure("\(op) needs floating-point data, got \(x.elementType)") }
        guard x.rank >= minimumRank else { throw OperatorFailure("\(op) needs data of rank \(minimumRank) or more, got shape \(x.shape)") }
        return x
    }

    /// A per-channel (or per-group) vector of exactly `count` elements, as Doubles.
    static func vector(_ tensor: Tensor, count: Int, _ what: String) throws -> [Double] {
        guard tensor.elementType.isFloatingPoint else { throw OperatorFailure("\(what) must be floating point, got \(tensor.elementType)") }
        guard tensor.count == count, tensor.shape.filter({ $0 != 1 }).count <= 1 else {
            throw OperatorFailure("\(what) must hold \(count) values, has shape \(tensor.shape)")
        }
        return tensor.doubleValues()
    }

    /// A vector of Doubles as a tensor of the data's element type, for the kernels.
    static func tensor(_ values: [Double], like x: Tensor, context: ExecutionContext) throws -> Tensor {
        TensorCast.convert(try Tensor(shape: [values.count], values: values), to: x.elementType, context: context)
    }

    /// `tensor` broadcast to `shape` (the normalized trailing shape) in the data's element type:
    /// LayerNormalization's and RMSNormalization's scale and bias.
    static func broadcast(
        _ tensor: Tensor, to shape: [Int], like x: Tensor, _ what: String,
        context: ExecutionContext
    ) throws -> Tensor {
        guard tensor.elementType.isFloatingPoint else { throw OperatorFailure("\(what) must be floating point, got \(tensor.elementType)") }
        let trimmed = Array(tensor.shape.drop(while: { $0 == 1 }))
        guard trimmed.count <= shape.count, (try? Broadcast.shape([shape, trimmed])) == shape else {
            throw OperatorFailure("\(what) of shape \(tensor.shape) does not broadcast to the normalized shape \(shape)")
        }
        let expanded = try Broadcast.expand(tensor.reshaped(trimmed), to: shape, context: context)
        return TensorCast.convert(expanded, to: x.elementType, context: context)
    }
}
