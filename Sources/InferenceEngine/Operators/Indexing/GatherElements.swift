/// GatherElements (one element per index, along one axis) and GatherND (index tuples addressing
/// slices, optionally per batch): the offsets are checked once, then blocks are copied.
enum GatherElements {
    static let schema = OperatorSchema("GatherElements", since: 11) { context in
        let axis = try context.attributes.int("axis", default: 0)
        return ClosureOperator { inputs, run in
            let data = try inputs.required(0, "data")
            let indices = try inputs.required(1, "indices")
            try ByteBlocks.requireFixedWidth(data, op: "GatherElements")
            let resolvedAxis = try IndexCheck.axis(axis, of: data, op: "GatherElements")
            let offsets = try ElementOffsets.alongAxis(indices, dataShape: data.shape, axis: resolvedAxis, op: "GatherElements")
            return [try ByteBlocks.gather(data, offsets: offsets, blockLength: 1, shape: indices.shape, context: run)]
        }
    }
}

enum GatherND {
    static let schema = OperatorSchema("GatherND", since: 11) { context in
        let batchDims = try context.attributes.int("batch_dims", default: 0)
        guard batchDims >= 0 else { throw context.invalid("batch_dims must not be negative, got \(batchDims)") }
        return ClosureOperator { inputs, run in
            let data = try inputs.required(0, "data")
            let indices = try inputs.required(1, "indices")
            try ByteBlocks.requireFixedWidth(data, op: "GatherND")
            let tuples = try ElementOffsets.tuples(indices, dataShape: data.shape, batchDims: batchDims, op: "GatherND")
            return [
                try ByteBlocks.gather(
                    data, offsets: tuples.offsets, blockLength: tuples.sliceLength,
                    shape: tuples.resultShape, context: run)
            ]
        }
    }
}
