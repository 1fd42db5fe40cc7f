/// TensorScatter (opset 24): writes `update` into a copy of a KV cache along its sequence axis,
/// each batch entry starting at its own write index, either bounded (linear) or wrapping around
/// (circular). Write positions come from data, so linear ones are checked against the cache.
enum TensorScatter {
    static let schema = OperatorSchema("TensorScatter", since: 24) { context in
        let axis = try context.attributes.int("axis", default: -2)
        let mode = try context.attributes.string("mode", default: "linear")
        guard mode == "linear" || mode == "circular" else { throw context.invalid("mode must be linear or circular, got '\(mode)'") }
        let circular = mode == "circular"
        return ClosureOperator { inputs, run in
            let cache = try inputs.required(0, "past_cache")
            let update = try inputs.required(1, "update")
            let resolvedAxis = try IndexCheck.axis(axis, of: cache, op: "TensorScatter")
            guard resolvedAxis != 0 else { throw OperatorFailure("TensorScatter: axis \(axis) is the batch axis") }
            let shape = cache.shape
            let capacity = shape[resolvedAxis]
            var expected = shape
            expected[resolvedAxis] = update.rank == shape.count ? update.shape[resolvedAxis] : -1
            guard update.shape == expected, expected[resolvedAxis] <= capacity else {
                throw OperatorFailure("TensorScatter: update \(update.shape) does not fit cache \(shape) along axis \(resolvedAxis)")
            }
            let batch = shape[0]
            let length = update.shape[resolvedAxis]
            let starts =
                try inputs.optional(2).map { try IndexCheck.indexValues($0, op: "TensorScatter", "write_indices") }
                ?? [Int](repeating: 0, count: batch)
            guard starts.count == batch else {
                throw OperatorFailure("TensorScatter: \(starts.count) write indices for a batch of \(batch)")
            }
            if !circular {
                for (b, start) in starts.enumerated() where start < 0 || start > capacity - length {
                    throw OperatorFailure("TensorScatter: write index \(start) of batch entry \(b) leaves no room for \(length) steps in \(capacity)")
                }
            }
            // Blocks of `inner` elements in the update's row-major order: prefix, then step.
            let prefixes = shape.product(0..<resolvedAxis)
            let perBatch = shape.product(1..<resolvedAxis)
            let inner = shape.product((resolvedAxis + 1)..<shape.count)
            var offsets: [Int] = []
            offsets.reserveCapacity(prefixes * length)
            for prefix in 0..<prefixes {
                let start = starts[prefix / perBatch]  // perBatch > 0 whenever there is a prefix
                for step in 0..<length {
                    var position = start &+ step
                    if circular { position = ((position % capacity) + capacity) % capacity }  // capacity ≥ length > 0
                    offsets.append((prefix &* capacity &+ position) &* inner)
                }
            }
            return [
                try ScatterUpdate.apply(
                    data: cache, updates: update, offsets: offsets, blockLength: inner,
                    reduction: .none, op: "TensorScatter", context: run)
            ]
        }
    }
}
