/// Loop: runs the body while the trip count and the condition allow. Inputs: M (max trip count,
/// optional), cond (optional), then the N loop-carried values. Body: (iteration, cond, v…) →
/// (cond, v…, scan…). Outputs: the final v… and each scan output stacked along a new first axis.
/// Only tensor values are supported; sequence and optional values are refused at load.
struct LoopOperator: Operator {
    let body: Subgraph
    let carried: Int
    let scanned: Int

    init(context: OperatorBuildContext) throws {
        body = try Subgraph(attribute: "body", context: context)
        carried = max(context.node.inputs.count - 2, 0)
        guard body.inputCount == carried + 2 else {
            throw context.invalid("body takes \(body.inputCount) inputs, expected 2 + \(carried) loop-carried values")
        }
        scanned = body.outputCount - 1 - carried
        guard scanned >= 0 else {
            throw context.invalid("body produces \(body.outputCount) outputs, fewer than 1 + \(carried) loop-carried values")
        }
        guard context.node.outputs.count <= carried + scanned else {
            throw context.invalid("the node names \(context.node.outputs.count) outputs, the body gives \(carried) + \(scanned)")
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        var tripLimit = Int.max
        if let limit = inputs.optional(0) {
            guard limit.count == 1 else { throw OperatorFailure("Loop trip count M must hold one element, has shape \(limit.shape)") }
            tripLimit = try limit.intValues("Loop trip count M")[0]
        }
        var running = true
        if let condition = inputs.optional(1) {
            guard condition.count == 1 else { throw OperatorFailure("Loop cond must hold one element, has shape \(condition.shape)") }
            running = try condition.scalarDouble("Loop cond") != 0
        }
        var values: [Tensor] = try (0..<carried).map { try inputs.required(2 + $0, "loop-carried value \($0)") }
        let captures = try body.captures(from: inputs)
        var scans = [[Tensor]](repeating: [], count: scanned)
        var iteration = 0
        var bodyInputs: [Tensor?] = []
        while running && iteration < tripLimit {
            bodyInputs.removeAll(keepingCapacity: true)
            bodyInputs.append(Tensor(scalar: Int64(iteration)))
            bodyInputs.append(Tensor(scalar: running))
            for value in values { bodyInputs.append(value) }
            let results = try body.run(bodyInputs, captures: captures, context: context)
            guard results[0].count == 1 else {
                throw OperatorFailure("Loop body condition must hold one element, has shape \(results[0].shape)")
            }
            running = try results[0].scalarDouble("Loop body condition") != 0
            values = Array(results[1..<1 + carried])
            for k in 0..<scanned { scans[k].append(results[1 + carried + k]) }
            iteration += 1
        }
        var outputs = values
        for k in 0..<scanned {
            outputs.append(
                scans[k].isEmpty
                    ? body.emptyScanOutput(1 + carried + k)
                    : try AxisSlices.stack(scans[k], axis: 0, reversed: false, what: "Loop scan output \(k)", context: context))
        }
        return outputs
    }
}
