/// ScatterElements (and its opset 9-10 name Scatter) and ScatterND: the inverse of
/// GatherElements and GatherND, writing `updates` where the indices point in a copy of `data`.
enum ScatterElements {
    static let schema = schema(named: "ScatterElements", since: 11)
    /// Scatter was renamed ScatterElements in opset 11 with the same meaning.
    static let deprecatedScatterSchema = schema(named: "Scatter", since: 9)

    private static func schema(named name: String, since: Int) -> OperatorSchema {
        OperatorSchema(name, since: since) { context in
            let axis = try context.attributes.int("axis", default: 0)
            let reduction = try ScatterUpdate.Reduction.parse(context)
            return ClosureOperator { inputs, run in
                let data = try inputs.required(0, "data")
                let indices = try inputs.required(1, "indices")
                let updates = try inputs.required(2, "updates")
                guard updates.shape == indices.shape else {
                    throw OperatorFailure("\(name): updates shape \(updates.shape) differs from indices shape \(indices.shape)")
                }
                let resolvedAxis = try IndexCheck.axis(axis, of: data, op: name)
                let offsets = try ElementOffsets.alongAxis(indices, dataShape: data.shape, axis: resolvedAxis, op: name)
                return [
                    try ScatterUpdate.apply(
                        data: data, updates: updates, offsets: offsets, blockLength: 1,
                        reduction: reduction, op: name, context: run)
                ]
            }
        }
    }
}

enum ScatterND {
    static let schema = OperatorSchema("ScatterND", since: 11) { context in
        let reduction = try ScatterUpdate.Reduction.parse(context)
        return ClosureOperator { inputs, run in
            let data = try inputs.required(0, "data")
            let indices = try inputs.required(1, "indices")
            let updates = try inputs.required(2, "updates")
            let tuples = try ElementOffsets.tuples(indices, dataShape: data.shape, batchDims: 0, op: "ScatterND")
            guard updates.shape == tuples.resultShape else {
                throw OperatorFailure(
                    "ScatterND: updates shape \(updates.shape) must be \(tuples.resultShape) for data \(data.shape) and indices \(indices.shape)")
            }
            return [
                try ScatterUpdate.apply(
                    data: data, updates: updates, offsets: tuples.offsets, blockLength: tuples.sliceLength,
                    reduction: reduction, op: "ScatterND", context: run)
            ]
        }
    }
}
