/// ReverseSequence: for each batch entry, reverses the first `sequence_lens[b]` steps along the
/// time axis and keeps the rest.
enum ReverseSequence {
    static let schema = OperatorSchema("ReverseSequence", since: 10) { context in
        let batchAxis = try context.attributes.int("batch_axis", default: 1)
        let timeAxis = try context.attributes.int("time_axis", default: 0)
        guard Set([batchAxis, timeAxis]) == [0, 1] else {
            throw context.invalid("batch_axis \(batchAxis) and time_axis \(timeAxis) must be 0 and 1 in some order")
        }
        return ClosureOperator { inputs, run in
            let input = try inputs.required(0, "input")
            let lengths = try IndexCheck.indexValues(inputs.required(1, "sequence_lens"), op: "ReverseSequence", "sequence_lens")
            try ByteBlocks.requireFixedWidth(input, op: "ReverseSequence")
            guard input.rank >= 2 else { throw OperatorFailure("ReverseSequence needs an input of rank >= 2, got \(input.shape)") }
            let batch = input.shape[batchAxis]
            let time = input.shape[timeAxis]
            guard lengths.count == batch else {
                throw OperatorFailure("ReverseSequence: \(lengths.count) sequence lengths for a batch of \(batch)")
            }
            for (b, length) in lengths.enumerated() where length < 0 || length > time {
                throw OperatorFailure("ReverseSequence: sequence length \(length) of batch entry \(b) is outside 0...\(time)")
            }
            // Blocks of `inner` elements in output order over the first two axes; step t of entry
            // b comes from step length-1-t while t is inside the sequence.
            let inner = input.shape.product(2..<input.rank)
            var offsets: [Int] = []
            offsets.reserveCapacity(batch * time)
            for first in 0..<input.shape[0] {
                for second in 0..<input.shape[1] {
                    let (t, b) = timeAxis == 0 ? (first, second) : (second, first)
                    let source = t < lengths[b] ? lengths[b] - 1 - t : t
                    offsets.append((timeAxis == 0 ? source * batch + b : b * time + source) * inner)
                }
            }
            return [try ByteBlocks.gather(input, offsets: offsets, blockLength: inner, shape: input.shape, context: run)]
        }
    }
}
