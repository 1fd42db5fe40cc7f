/// OneHot: a new axis of length `depth` holding `on` at each index's position and `off`
/// elsewhere. Out-of-range indices are not an error here: the spec makes their row all `off`.
enum OneHot {
    static let schema = OperatorSchema("OneHot", since: 9) { context in
        let axis = try context.attributes.int("axis", default: -1)
        return ClosureOperator { inputs, run in
            try oneHot(
                inputs.required(0, "indices"), depth: inputs.required(1, "depth"),
                values: inputs.required(2, "values"), axis: axis, context: run)
        }
    }

    static func oneHot(
        _ indices: Tensor, depth depthTensor: Tensor, values: Tensor, axis: Int,
        context: ExecutionContext
    ) throws -> [Tensor] {
        try ByteBlocks.requireFixedWidth(values, op: "OneHot")
        guard values.count == 2 else { throw OperatorFailure("OneHot values must hold [off, on], has shape \(values.shape)") }
        guard indices.elementType != .string, depthTensor.elementType != .string else {
            throw OperatorFailure("OneHot indices and depth must be numeric")
        }
        // Depth and indices may be any numeric type; floats truncate toward zero as a cast would.
        let depthValue = try depthTensor.scalarDouble("OneHot depth")
        guard depthValue.isFinite, depthValue >= 0, depthValue < Double(Int32.max) else {
            throw OperatorFailure("OneHot depth must be a non-negative count, got \(depthValue)")
        }
        let depth = Int(depthValue)
        let axis = try normalizedAxis(axis, rank: indices.rank + 1, "OneHot axis")
        let outputShape = Array(indices.shape[..<axis]) + [depth] + Array(indices.shape[axis...])
        let classes = try TensorCast.convert(indices, to: .int64, context: context).intValues()
        let output = try context.allocate(values.elementType, outputShape)
        let width = values.elementType.byteWidth
        let off = UnsafeRawPointer(values.storage.bytes)
        let on = off + width
        let destination = output.storage.bytes
        for position in 0..<output.count { ByteBlocks.copy(destination + position &* width, off, byteCount: width) }
        let inner = indices.shape.product(axis..<indices.rank)
        for (position, value) in classes.enumerated() {
            let index = value < 0 ? value &+ depth : value
            guard index >= 0, index < depth else { continue }
            let (outer, i) = position.quotientAndRemainder(dividingBy: inner)  // inner > 0: there is a position
            ByteBlocks.copy(destination + ((outer &* depth &+ index) &* inner &+ i) &* width, on, byteCount: width)
        }
        return [output]
    }
}
