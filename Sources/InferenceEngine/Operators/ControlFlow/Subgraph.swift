/// A compiled subgraph attribute (If branch, Loop or Scan body) together with where each outer
/// value it captures sits in its node's inputs, resolved once at load.
struct Subgraph: Sendable {
    let graph: CompiledGraph
    /// For each of `graph.captures`, the index in the node's run-time inputs holding it.
    private let captureIndices: [Int]
    let inputCount: Int
    let outputCount: Int
    /// Declared element types and shapes of the outputs, for empty scan outputs.
    let outputTypes: [TypeProto?]

    init(attribute: String, context: OperatorBuildContext) throws {
        guard let proto = try context.attributes.graph(attribute) else {
            throw context.invalid("attribute '\(attribute)' (a graph) is missing")
        }
        for value in proto.inputs + proto.outputs {
            if let kind = value.type?.kind, kind != .tensor, kind != .unknown {
                throw context.unsupported("\(attribute) value '\(value.name)' is a \(kind), only tensors are supported")
            }
        }
        graph = try context.compileSubgraph(proto)
        let base = context.node.inputs.count
        captureIndices = try graph.captures.map { capture in
            guard let position = context.outerValueNames.firstIndex(of: capture.name) else {
                throw context.invalid("\(attribute) reads '\(capture.name)', which the node does not pass in")
            }
            return base + position
        }
        inputCount = proto.inputs.count
        outputCount = proto.outputs.count
        outputTypes = proto.outputs.map(\.type)
    }

    /// The captured outer values, taken from the node's inputs; resolve once per node run.
    func captures(from nodeInputs: [Tensor?]) throws -> [Tensor] {
        try captureIndices.map { index in
            guard index < nodeInputs.count, let tensor = nodeInputs[index] else {
                throw OperatorFailure("outer value for subgraph capture at input \(index) is missing")
            }
            return tensor
        }
    }

    func run(_ inputs: [Tensor?], captures: [Tensor], context: ExecutionContext) throws -> [Tensor] {
        let results = try graph.execute(inputs: inputs, captures: captures, context: context)
        guard results.count == outputCount else {
            throw OperatorFailure("subgraph produced \(results.count) outputs, declares \(outputCount)")
        }
        return results
    }

    /// An empty tensor standing for a scan output of zero iterations: [0] followed by the
    /// declared element shape when every dimension of it is known.
    func emptyScanOutput(_ index: Int, axis: Int = 0) -> Tensor {
        let type = outputTypes[index].flatMap { ElementType(rawValue: Int32(truncatingIfNeeded: $0.elementType)) } ?? .float
        var shape: [Int] = []
        if let dims = outputTypes[index]?.dims, dims.allSatisfy({ $0 != nil }) { shape = dims.compactMap { $0 } }
        shape.insert(0, at: min(max(axis, 0), shape.count))
        return Tensor(zeros: type, shape: shape)
    }
}

/// Byte-level slicing and stacking along one axis, for any element type: how Scan and Loop split
/// their inputs into per-iteration slices and gather per-iteration outputs.
enum AxisSlices {
    /// The `index`-th slice of `tensor` along `axis`, with that axis removed.
    static func slice(_ tensor: Tensor, axis: Int, index: Int, context: ExecutionContext) throws -> Tensor {
        var shape = tensor.shape
        let length = shape.remove(at: axis)
        let width = tensor.elementType.byteWidth
        let outer = tensor.shape[..<axis].reduce(1, *)
        let inner = shape[axis...].reduce(1, *) * width
        let output = try context.allocate(tensor.elementType, shape)
        let source = tensor.storage.bytes
        let destination = output.storage.bytes
        for o in 0..<outer {
            (destination + o * inner).copyMemory(from: source + (o * length + index) * inner, byteCount: inner)
        }
        return output
    }

    /// Stacks same-shaped, same-typed `parts` along a new `axis`; with `reversed` the last part
    /// comes first.
    static func stack(_ parts: [Tensor], axis: Int, reversed: Bool, what: String, context: ExecutionContext) throws -> Tensor {
        guard let first = parts.first else { throw OperatorFailure("\(what): nothing to stack") }
        for part in parts where part.shape != first.shape || part.elementType != first.elementType {
            throw OperatorFailure("\(what) changes between iterations: \(first.elementType)\(first.shape) then \(part.elementType)\(part.shape)")
        }
        guard axis >= 0, axis <= first.rank else {
            throw OperatorFailure("\(what) axis \(axis) is out of range for rank \(first.rank + 1)")
        }
        var shape = first.shape
        shape.insert(parts.count, at: axis)
        let width = first.elementType.byteWidth
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[axis...].reduce(1, *) * width
        let output = try context.allocate(first.elementType, shape)
        let destination = output.storage.bytes
        for (index, part) in parts.enumerated() {
            let position = reversed ? parts.count - 1 - index : index
            let source = part.storage.bytes
            for o in 0..<outer {
                (destination + (o * parts.count + position) * inner).copyMemory(from: source + o * inner, byteCount: inner)
            }
        }
        return output
    }
}
