/// Compress: the slices along `axis` (or the elements of the flattened input) whose `condition`
/// entry is true. A condition shorter than the axis drops the rest; entries past the axis are
/// ignored, as onnxruntime does.
enum Compress {
    static let schema = OperatorSchema("Compress", since: 9) { context in
        let axis = try context.attributes.int("axis")
        return ClosureOperator { inputs, run in
            let input = try inputs.required(0, "input")
            let condition = try inputs.required(1, "condition")
            try ByteBlocks.requireFixedWidth(input, op: "Compress")
            guard condition.elementType == .bool, condition.rank == 1 else {
                throw OperatorFailure("Compress condition must be a 1-D bool tensor, got \(condition.elementType) \(condition.shape)")
            }
            let shape: [Int]
            let resolvedAxis: Int
            if let axis {
                (shape, resolvedAxis) = (input.shape, try IndexCheck.axis(axis, of: input, op: "Compress"))
            } else {
                (shape, resolvedAxis) = ([input.count], 0)
            }
            // Read as bytes: a bool tensor's raw data may hold values other than 0 and 1.
            let length = shape[resolvedAxis]
            let flags = condition.pointer(as: UInt8.self)
            let kept = (0..<min(length, condition.count)).filter { flags[$0] != 0 }
            let outer = shape.product(0..<resolvedAxis)
            let inner = shape.product((resolvedAxis + 1)..<shape.count)
            var outputShape = shape
            outputShape[resolvedAxis] = kept.count
            var offsets: [Int] = []
            offsets.reserveCapacity(outer * kept.count)
            for o in 0..<outer { for k in kept { offsets.append((o &* length &+ k) &* inner) } }
            return [try ByteBlocks.gather(input, offsets: offsets, blockLength: inner, shape: outputShape, context: run)]
        }
    }
}
