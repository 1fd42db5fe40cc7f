/// MaxUnpool: scatters pooled values back to the flat positions MaxPool reported, zeros elsewhere.
struct MaxUnpoolOperator: Operator {
    let attributes: WindowAttributes
    let kernel: [Int]

    static let schema = OperatorSchema("MaxUnpool", since: 9) { context in
        let attributes = try WindowAttributes(context, requireKernelShape: true)
        return MaxUnpoolOperator(attributes: attributes, kernel: attributes.kernelShape ?? [])
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "X")
        let indices = try inputs.required(1, "I")
        guard x.rank == kernel.count + 2, indices.shape == x.shape else {
            throw OperatorFailure("X \(x.shape) and I \(indices.shape) must have one shape matching kernel_shape \(kernel)")
        }
        let (strides, _, padBegin, padEnd) = try attributes.resolved(rank: kernel.count)
        var inferred = Array(x.shape[..<2])
        for axis in 0..<kernel.count {
            inferred.append((x.shape[axis + 2] - 1) * strides[axis] - padBegin[axis] - padEnd[axis] + kernel[axis])
        }
        guard inferred.allSatisfy({ $0 >= 0 }) else { throw OperatorFailure("MaxUnpool output shape \(inferred) is negative") }
        // Indices address the inferred shape; a larger output_shape only adds zeros at the end of each axis.
        var outputShape = inferred
        if let requested = inputs.optional(2) {
            outputShape = try requested.intValues("output_shape")
            guard outputShape.count == x.rank, zip(outputShape, inferred).allSatisfy({ $0 >= $1 }) else {
                throw OperatorFailure("output_shape \(outputShape) must cover the inferred shape \(inferred)")
            }
        }
        let flat = try indices.intValues("I")
        let width = x.elementType.byteWidth
        let total = inferred.reduce(1, *)
        let outputStrides = Tensor.strides(for: outputShape)
        let inferredStrides = Tensor.strides(for: inferred)
        let output = try context.allocate(x.elementType, outputShape)
        for (source, target) in flat.enumerated() {
            guard target >= 0, target < total else {
                throw OperatorFailure("index \(target) is outside the unpooled \(inferred) tensor")
            }
            var remainder = target
            var offset = 0
            for axis in 0..<inferred.count {
                offset += remainder / inferredStrides[axis] * outputStrides[axis]
                remainder %= inferredStrides[axis]
            }
            (output.storage.bytes + offset * width).copyMemory(from: x.storage.bytes + source * width, byteCount: width)
        }
        return [output]
    }
}
