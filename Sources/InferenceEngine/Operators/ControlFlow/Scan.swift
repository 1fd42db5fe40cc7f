/// Scan (opset 9 semantics; opset 8's batch axis is not implemented): N state values and M scan
/// inputs. Each iteration feeds the states and one slice of every scan input (along its axis,
/// forward or reversed) to the body, which returns the next states and K per-iteration outputs;
/// those are stacked along their own axes and directions.
struct ScanOperator: Operator {
    let body: Subgraph
    let states: Int
    let scanInputs: Int
    let scanOutputs: Int
    let inputAxes: [Int]
    let inputReversed: [Bool]
    let outputAxes: [Int]
    let outputReversed: [Bool]

    init(context: OperatorBuildContext) throws {
        body = try Subgraph(attribute: "body", context: context)
        let attributes = context.attributes
        guard let m = try attributes.int("num_scan_inputs"), m >= 1, m <= context.node.inputs.count else {
            throw context.invalid("num_scan_inputs must be between 1 and the input count \(context.node.inputs.count)")
        }
        scanInputs = m
        states = context.node.inputs.count - m
        guard body.inputCount == states + m else {
            throw context.invalid("body takes \(body.inputCount) inputs, expected \(states) states + \(m) scan inputs")
        }
        scanOutputs = body.outputCount - states
        guard scanOutputs >= 0 else {
            throw context.invalid("body produces \(body.outputCount) outputs, fewer than its \(states) states")
        }
        func list(_ name: String, count: Int) throws -> [Int] {
            guard let values = try attributes.ints(name) else { return Array(repeating: 0, count: count) }
            guard values.count == count else { throw context.invalid("\(name) has \(values.count) entries, expected \(count)") }
            return values
        }
        inputAxes = try list("scan_input_axes", count: m)
        outputAxes = try list("scan_output_axes", count: scanOutputs)
        let inputDirections = try list("scan_input_directions", count: m)
        let outputDirections = try list("scan_output_directions", count: scanOutputs)
        guard (inputDirections + outputDirections).allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw context.invalid("scan directions must be 0 or 1")
        }
        inputReversed = inputDirections.map { $0 == 1 }
        outputReversed = outputDirections.map { $0 == 1 }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        var values: [Tensor] = try (0..<states).map { try inputs.required($0, "state \($0)") }
        var sequences: [Tensor] = []
        var axes: [Int] = []
        var length: Int?
        for index in 0..<scanInputs {
            let tensor = try inputs.required(states + index, "scan input \(index)")
            let axis = try normalizedAxis(inputAxes[index], rank: tensor.rank, "Scan scan_input_axes entry")
            guard tensor.rank > 0 else { throw OperatorFailure("Scan input \(index) is a scalar") }
            if let length, length != tensor.shape[axis] {
                throw OperatorFailure("Scan inputs disagree on the sequence length: \(length) and \(tensor.shape[axis])")
            }
            length = tensor.shape[axis]
            sequences.append(tensor)
            axes.append(axis)
        }
        let steps = length ?? 0
        let captures = try body.captures(from: inputs)
        var collected = [[Tensor]](repeating: [], count: scanOutputs)
        var bodyInputs: [Tensor?] = []
        for step in 0..<steps {
            bodyInputs.removeAll(keepingCapacity: true)
            for value in values { bodyInputs.append(value) }
            for (index, sequence) in sequences.enumerated() {
                let position = inputReversed[index] ? steps - 1 - step : step
                bodyInputs.append(try AxisSlices.slice(sequence, axis: axes[index], index: position, context: context))
            }
            let results = try body.run(bodyInputs, captures: captures, context: context)
            values = Array(results[0..<states])
            for k in 0..<scanOutputs { collected[k].append(results[states + k]) }
        }
        var outputs = values
        for k in 0..<scanOutputs {
            guard let first = collected[k].first else {
                outputs.append(body.emptyScanOutput(states + k, axis: outputAxes[k]))
                continue
            }
            let axis = try normalizedAxis(outputAxes[k], rank: first.rank + 1, "Scan scan_output_axes entry")
            outputs.append(
                try AxisSlices.stack(
                    collected[k], axis: axis, reversed: outputReversed[k],
                    what: "Scan output \(k)", context: context))
        }
        return outputs
    }
}
