/// Expand (broadcast to a shape) and Tile (repeat whole copies): both read the input through
/// zero strides, so each is one strided copy with no index arithmetic per element.
enum ExpandTile {
    static func expand(_ input: Tensor, to requested: [Int], context: ExecutionContext) throws -> Tensor {
        for dim in requested where dim < 0 {
            throw OperatorFailure("Expand: shape \(requested) has a negative dimension")
        }
        let shape = try Broadcast.shape([input.shape, requested])
        if shape == input.shape { return input }
        try ShapeMath.checkedCount(shape, width: input.elementType.byteWidth, "Expand")
        return try StridedCopy.gather(input, shape: shape, strides: Broadcast.strides(of: input.shape, in: shape), context: context)
    }

    /// Tile as a broadcast: the input viewed as `[1, d0, 1, d1, ...]` expanded to
    /// `[r0, d0, r1, d1, ...]` is, read in order, exactly the tiled tensor.
    static func tile(_ input: Tensor, repeats: [Int], context: ExecutionContext) throws -> Tensor {
        guard repeats.count == input.rank else {
            throw OperatorFailure("Tile: \(repeats.count) repeats for input shape \(input.shape)")
        }
        guard repeats.allSatisfy({ $0 >= 0 }) else { throw OperatorFailure("Tile: repeats \(repeats) has a negative value") }
        let strides = input.strides
        var view: [Int] = []
        var viewStrides: [Int] = []
        var shape: [Int] = []
        for axis in 0..<input.rank {
            view += [repeats[axis], input.shape[axis]]
            viewStrides += [0, strides[axis]]
        }
        try ShapeMath.checkedCount(view, width: input.elementType.byteWidth, "Tile")
        for axis in 0..<input.rank { shape.append(repeats[axis] * input.shape[axis]) }
        if shape == input.shape { return input }
        return try StridedCopy.gather(input, shape: view, strides: viewStrides, context: context).reshaped(shape)
    }

    static let schemas: [OperatorSchema] = [
        OperatorSchema("Expand", since: 8) { _ in
            ClosureOperator { inputs, run in
                [try expand(inputs.required(0, "input"), to: inputs.required(1, "shape").intList("shape"), context: run)]
            }
        },
        OperatorSchema("Tile", since: 6) { _ in
            ClosureOperator { inputs, run in
                [try tile(inputs.required(0, "input"), repeats: inputs.required(1, "repeats").intList("repeats"), context: run)]
            }
        }
    ]
}
