/// Concat and Split: joining tensors along an axis and cutting one apart. Both are copies of
/// contiguous blocks, each `memcpy`'d whole.
enum ConcatSplit {
    static func concat(_ inputs: [Tensor], axis requested: Int, context: ExecutionContext) throws -> Tensor {
        guard let first = inputs.first else { throw OperatorFailure("Concat needs at least one input") }
        let rank = first.rank
        guard rank > 0 else { throw OperatorFailure("Concat cannot join scalars") }
        let axis = try ShapeMath.axis(requested, rank: rank, "Concat")
        var shape = first.shape
        shape[axis] = 0
        for input in inputs {
            guard input.elementType == first.elementType else {
                throw OperatorFailure("Concat: inputs have types \(first.elementType) and \(input.elementType)")
            }
            guard input.rank == rank, (0..<rank).allSatisfy({ $0 == axis || input.shape[$0] == first.shape[$0] }) else {
                throw OperatorFailure("Concat: shape \(input.shape) does not match \(first.shape) outside axis \(axis)")
            }
            shape[axis] += input.shape[axis]
        }
        // The inputs fill the output whole, so it needs no zeroing; large inputs copy in parallel.
        let output = try context.allocate(first.elementType, shape, zeroed: false)
        let width = first.elementType.byteWidth
        let outputStrides = Tensor.strides(for: shape)
        var offsets: [Int] = []
        var offset = 0
        for input in inputs {
            offsets.append(offset)
            offset += input.shape[axis]
        }
        let copy = { (index: Int) in
            let input = inputs[index]
            StridedCopy.copy(
                shape: input.shape, width: width, from: input.storage.bytes, strides: input.strides,
                to: output.storage.bytes + offsets[index] * outputStrides[axis] * width, strides: outputStrides)
        }
        if inputs.count > 1, output.count * width >= 4 * ExecutionContext.elementsPerThread {
            context.parallelFor(inputs.count, copy)
        } else {
            for index in inputs.indices { copy(index) }
        }
        return output
    }

    /// Cuts `input` along `axis` into pieces of the given sizes.
    static func split(_ input: Tensor, axis: Int, sizes: [Int], context: ExecutionContext) throws -> [Tensor] {
        let dim = input.shape[axis]
        // Bounding each size first keeps the sum from overflowing on hostile input.
        guard sizes.allSatisfy({ $0 >= 0 && $0 <= dim }), sizes.reduce(0, +) == dim else {
            throw OperatorFailure("Split: sizes \(sizes) do not add up to dimension \(input.shape[axis]) of shape \(input.shape)")
        }
        let strides = input.strides
        var start = 0
        return try sizes.map { size in
            var shape = input.shape
            shape[axis] = size
            let piece = try StridedCopy.gather(input, offset: start * strides[axis], shape: shape, strides: strides, context: context)
            start += size
            return piece
        }
    }

    /// Sizes for `count` pieces when none are given: equal, the last one smaller if it must be.
    static func evenSizes(_ dim: Int, count: Int, allowUneven: Bool) throws -> [Int] {
        guard count > 0 else { throw OperatorFailure("Split needs at least one output") }
        let size = (dim + count - 1) / count
        let last = dim - size * (count - 1)
        guard last >= 0, allowUneven || last == size else {
            throw OperatorFailure("Split: dimension \(dim) does not split into \(count) \(allowUneven ? "pieces" : "equal pieces")")
        }
        return [Int](repeating: size, count: count - 1) + [last]
    }

    static let schemas: [OperatorSchema] = [
        OperatorSchema("Concat") { context in
            // Opsets before 4 default the axis to 1; later ones require it.
            guard let axis = try context.attributes.int("axis") ?? (context.opset < 4 ? 1 : nil) else {
                throw context.invalid("axis is required")
            }
            return ClosureOperator { inputs, run in
                [try concat(inputs.compactMap { $0 }, axis: axis, context: run)]
            }
        },
        OperatorSchema("Split", since: 2) { context in
            let axis = try context.attributes.int("axis", default: 0)
            let sizes = try IntListSource.from(context, attribute: "split", inputSince: 13, inputIndex: 1)
            let numOutputs = try context.attributes.int("num_outputs")
            let outputs = context.node.outputs.count
            if let numOutputs, numOutputs != outputs {
                throw context.invalid("num_outputs is \(numOutputs) but the node has \(outputs) outputs")
            }
            let allowUneven = context.opset >= 18
            return ClosureOperator { inputs, run in
                let input = try inputs.required(0, "input")
                let resolved = try ShapeMath.axis(axis, rank: input.rank, "Split")
                let dim = input.shape[resolved]
                let pieces = try sizes.resolve(inputs, "split") ?? ConcatSplit.evenSizes(dim, count: outputs, allowUneven: allowUneven)
                guard pieces.count == outputs else {
                    throw OperatorFailure("Split: \(pieces.count) sizes for \(outputs) outputs")
                }
                return try split(input, axis: resolved, sizes: pieces, context: run)
            }
        }
    ]
}
