/// Turns a parsed graph into a `CompiledGraph`: checks that every value has exactly one producer,
/// orders the nodes (rejecting cycles), builds each operator (rejecting unsupported ones with the
/// node named), folds nodes whose inputs are all constants, drops nodes no output depends on, and
/// plans when each value dies.
struct GraphCompiler {
    /// Opset version imported per domain ("" is ai.onnx).
    let opsets: [String: Int]
    let decoder: TensorDecoder
    /// The model's value names, for slot names and messages.
    let names: ValueNames

    /// Consumes `graph`: each node's parsed form is dropped as soon as its operator exists, so the
    /// parse tree and the compiled graph are never both whole in memory (for models made of many
    /// small nodes, the two are as large as the weights).
    func compile(_ graph: consuming GraphProto, outerScope: Set<ValueID> = []) throws(EngineError) -> CompiledGraph {
        let valueCount = names.count
        // 32-bit entries: these tables exist per value of the model while it loads.
        var slots = ValueTable<Int32>(count: valueCount, default: -1)
        var slotCount = 0
        func slot(_ value: ValueID) -> Int {
            if slots[value] < 0 {
                slots[value] = Int32(slotCount)
                slotCount += 1
            }
            return Int(slots[value])
        }
        func existingSlot(_ value: ValueID) -> Int? { slots[value] >= 0 ? Int(slots[value]) : nil }

        var constants = ValueTable<Tensor?>(count: valueCount, default: nil)
        var defined = ValueTable<Bool>(count: valueCount, default: false)
        for (index, initializer) in graph.initializers.enumerated() {
            let name = initializer.name
            guard !name.isEmpty else { throw EngineError.invalidModel("initializer \(index) has no name") }
            constants[initializer.id] = try decoder.tensor(from: initializer, context: "initializer '\(name)'")
            defined[initializer.id] = true
        }

        // Static shapes: declared input dimensions, then whatever ShapeInference derives node by node.
        var shapes = ValueTable<ShapeInference.Shape?>(count: valueCount, default: nil)
        var rows = RowIndependence(valueCount: valueCount)
        var inputs: [CompiledGraph.Input] = []
        for input in graph.inputs {
            guard !input.name.isEmpty else { throw EngineError.invalidModel("graph '\(graph.name)' has an input without a name") }
            guard !inputs.contains(where: { $0.name == input.name }) else {
                throw EngineError.invalidModel("graph input '\(input.name)' is declared twice")
            }
            var declaredType: ElementType?
            if let type = input.type {
                guard type.kind == .tensor || type.kind == .unknown else {
                    throw EngineError.unsupportedFeature("input '\(input.name)' is a \(type.kind), not a tensor", node: graph.name)
                }
                if type.elementType != 0 {
                    declaredType = try ElementType.from(onnx: type.elementType, context: "input '\(input.name)'")
                }
            }
            let defaultValue = constants[input.id]
            constants[input.id] = nil
            if defaultValue == nil, let declared = input.type?.dims { shapes[input.id] = declared }
            if defaultValue == nil { rows.declareInput(input.id, shape: input.type?.dims) }
            inputs.append(
                .init(
                    name: input.name, slot: slot(input.id), declaredType: declaredType,
                    declaredShape: input.type?.dims, defaultValue: defaultValue))
            defined[input.id] = true
        }

        let wiring = try GraphWiring(graph, defined: defined, outerScope: outerScope, valueCount: valueCount, names: names)
        let order = try wiring.order(graph.nodes, names: names)
        let live = wiring.liveNodes(for: graph.outputs.map(\.id))

        func shape(of value: ValueID) -> ShapeInference.Shape? {
            if let constant = constants[value] { return constant.shape.map { Optional($0) } }
            return shapes[value]
        }
        /// Follows the batch's rows through `node` (before any fusion rewrites it); attributes are
        /// decoded here only when the compiler has not decoded them already.
        func followRows(through node: NodeProto, at index: Int, attributes: NodeAttributes?) {
            let facts = RowIndependence.Facts(
                opset: opsets[node.domain == "ai.onnx" ? "" : node.domain] ?? 1, shape: shape(of:), constant: { constants[$0] },
                attributes: { attributes ?? (try? node.attributes(in: decoder.file)).map { NodeAttributes($0, nodeName: "") } })
            rows.visit(node, subgraphReads: wiring.subgraphReads(index), facts: facts)
        }

        // How many nodes read each value (graph outputs count as readers): a value read once may be
        // fused away into the step that produces it. The first two readers are all a fusion looks
        // ahead for.
        var readers = ValueTable<Int32>(count: valueCount, default: 0)
        var consumers = ValueTable<OperatorFusion.FirstReaders>(count: valueCount, default: OperatorFusion.FirstReaders())
        for index in 0..<wiring.nodeCount {
            for value in wiring.reads(index) {
                readers[value] += 1
                consumers[value].add(index)
            }
        }
        for output in graph.outputs { readers[output.id] += 1 }
        /// Nodes already run inside an earlier step (the rest of a fused HardSwish chain).
        var absorbed = [Bool](repeating: false, count: graph.nodes.count)

        let captures = wiring.captures.map { (name: names[$0], slot: slot($0)) }
        var visibleToSubgraphs = outerScope
        if wiring.hasSubgraphs {
            for value in defined.ids(where: { $0 }) { visibleToSubgraphs.insert(value) }
            for value in wiring.producer.ids(where: { $0 >= 0 }) { visibleToSubgraphs.insert(value) }
        }
        var steps: [CompiledGraph.Step] = []
        /// The step that produces each slot: a node that only transforms a value fuses into the step
        /// that made it, wherever the schedule placed that step.
        var producerStep: [Int: Int] = [:]
        let foldingContext = ExecutionContext()

        // Constant nodes first (they read nothing, so any order allows it): a fusion that looks
        // ahead along a chain of nodes then finds every constant of the chain already known.
        func isConstantNode(_ index: Int) -> Bool { graph.nodes[index].opType == "Constant" && graph.nodes[index].inputs.isEmpty }
        let schedule = order.filter(isConstantNode) + order.filter { !isConstantNode($0) }
        // What is known about a value no later node reads goes as soon as its last reader is
        // compiled: its static shape, and its constant unless a step reads it (a BatchNormalization's
        // statistics live on in its Conv's epilogue, not as tensors).
        var unreadBy = readers
        var readByStep = ValueTable<Bool>(count: valueCount, default: false)
        for index in schedule where live[index] {
            defer {
                for value in wiring.reads(index) {
                    unreadBy[value] -= 1
                    guard unreadBy[value] == 0 else { continue }
                    shapes[value] = nil
                    if !readByStep[value] { constants[value] = nil }
                }
            }
            if absorbed[index] {
                followRows(through: graph.nodes[index], at: index, attributes: nil)
                graph.nodes[index] = NodeProto()
                continue
            }
            if let chain = OperatorFusion.hardSwishChain(
                at: index, nodes: graph.nodes, opset: opsets[""] ?? 1, consumers: consumers,
                readers: readers, constant: { constants[$0] }, file: decoder.file)
                ?? OperatorFusion.swishChain(at: index, nodes: graph.nodes, consumers: consumers, readers: readers),
                let inputSlot = existingSlot(chain.input), let target = producerStep[inputSlot],
                case let previous = steps[target], previous.outputs == [inputSlot],
                let op = OperatorFusion.fuse(chain.activation, after: previous.op)
            {
                followRows(through: graph.nodes[index], at: index, attributes: nil)
                steps[target] = CompiledGraph.Step(
                    op: op, opType: previous.opType + "+" + chain.activation.name, nodeName: previous.nodeName, inputs: previous.inputs,
                    outputs: [slot(chain.output)], releases: [])
                producerStep[slot(chain.output)] = target
                // Every value of the chain has its input's shape (they are elementwise).
                for node in chain.nodes { for output in graph.nodes[node].outputs { shapes[output] = shapes[chain.input] } }
                for node in chain.nodes { absorbed[node] = true }
                graph.nodes[index] = NodeProto()
                continue
            }
            let node = graph.nodes[index]
            defer { graph.nodes[index] = NodeProto() }
            let nodeName = names.node(node)
            let domain = node.domain == "ai.onnx" ? "" : node.domain
            guard let opset = opsets[domain] else {
                throw EngineError.invalidModel("node '\(nodeName)' uses domain '\(domain)', which the model does not import")
            }
            guard let schema = OperatorRegistry.schema(domain: domain, name: node.opType), opset >= schema.minimumOpset else {
                throw EngineError.unsupportedOperator(op: node.opType, domain: domain, opset: opset, node: nodeName)
            }
            let attributes = NodeAttributes(try node.attributes(in: decoder.file), nodeName: nodeName)
            followRows(through: node, at: index, attributes: attributes)
            if let reference = attributes.referenceAttributes.first {
                throw EngineError.unsupportedFeature("attribute '\(reference)' refers to a function attribute", node: nodeName)
            }
            let compiler = self
            let context = OperatorBuildContext(
                node: node, nodeName: nodeName, opset: opset, attributes: attributes, decoder: decoder,
                outerValueNames: wiring.subgraphReads(index).map { names[$0] },
                compileSubgraph: { (subgraph: GraphProto) throws(EngineError) -> CompiledGraph in
                    try compiler.compile(subgraph, outerScope: visibleToSubgraphs)
                })
            let op: any Operator
            do {
                op = try schema.build(context)
            } catch let error as EngineError {
                throw error
            } catch {
                throw EngineError.invalidModel("\(node.opType) node '\(nodeName)': \(error)")
            }

            if let answer = try Self.staticShapeAnswer(node, attributes: attributes, shape: node.inputs.first.flatMap { shape(of: $0) }) {
                constants[node.outputs[0]] = answer
                rows.markShared(node.outputs[0])
                continue
            }
            let inferred = ShapeInference.outputs(
                of: node, attributes: attributes, opset: opset,
                inputs: node.inputs.map { $0.isEmpty ? nil : shape(of: $0) },
                constants: node.inputs.map { constants[$0] })
            for (output, value) in zip(node.outputs, inferred) { shapes[output] = value ?? rows.shapesFromSizes[output] }

            let inputSlots = node.inputs.map { $0.isEmpty ? -1 : slot($0) } + wiring.subgraphReads(index).map { slot($0) }
            let hasSubgraph = node.subgraphAttributes != nil
            let foldable =
                !hasSubgraph && !Self.nondeterministic.contains(node.opType)
                && node.inputs.allSatisfy { $0.isEmpty || constants[$0] != nil }
            if foldable {
                let arguments = node.inputs.map { constants[$0] }
                let results: [Tensor]
                defer { foldingContext.endStep(at: 0) }
                do {
                    results = try op.run(arguments, context: foldingContext)
                } catch let failure as OperatorFailure {
                    throw EngineError.operatorFailed(op: node.opType, node: nodeName, reason: failure.reason)
                } catch let error as EngineError {
                    throw error
                } catch {
                    throw EngineError.operatorFailed(op: node.opType, node: nodeName, reason: "\(error)")
                }
                for (position, output) in node.outputs.enumerated() where !output.isEmpty {
                    guard position < results.count else {
                        throw EngineError.operatorFailed(
                            op: node.opType, node: nodeName,
                            reason: "produced \(results.count) outputs, the node expects \(node.outputs.count)")
                    }
                    constants[output] = results[position]
                }
                continue
            }
            // The value a fusable node transforms: its first input, or the non-constant side of an Add.
            let transformed =
                node.opType == "Add" && node.inputs.count == 2 && constants[node.inputs[0]] != nil
                ? node.inputs[1] : node.inputs.first
            if let transformed, let inputSlot = existingSlot(transformed), let target = producerStep[inputSlot],
                let fused = try fuse(
                    node, transforming: transformed, attributes: attributes, opset: opset, readers: readers,
                    inputSlot: inputSlot, constants: constants, rank: { shape(of: $0)?.count }, after: steps[target])
            {
                steps[target] = CompiledGraph.Step(
                    op: fused.op, opType: fused.opType, nodeName: fused.nodeName, inputs: fused.inputs,
                    outputs: [slot(node.outputs[0])], releases: [])
                producerStep[slot(node.outputs[0])] = target
                continue
            }
            for value in wiring.reads(index) { readByStep[value] = true }
            let step = CompiledGraph.Step(
                op: op, opType: node.opType, nodeName: nodeName, inputs: inputSlots,
                outputs: node.outputs.map { $0.isEmpty ? -1 : slot($0) }, releases: [])
            for output in step.outputs where output >= 0 { producerStep[output] = steps.count }
            steps.append(step)
        }

        var outputs: [(name: String, slot: Int)] = []
        for output in graph.outputs {
            let value = output.id
            guard defined[value] || wiring.producer[value] >= 0 || constants[value] != nil || outerScope.contains(value) else {
                throw EngineError.invalidModel("graph output '\(output.name)' is not produced by any node")
            }
            if outerScope.contains(value), existingSlot(value) == nil, !wiring.captures.contains(value) {
                throw EngineError.unsupportedFeature("graph output '\(output.name)' is an outer-scope value", node: graph.name)
            }
            outputs.append((output.name, slot(value)))
        }

        var kept = [Bool](repeating: false, count: slotCount)
        for output in outputs { kept[output.slot] = true }
        var lastRead = [Int](repeating: -1, count: slotCount)
        for (position, step) in steps.enumerated() {
            for slot in step.inputs where slot >= 0 { lastRead[slot] = position }
        }
        var releases = [[Int]](repeating: [], count: steps.count)
        for (slot, position) in lastRead.enumerated() where position >= 0 && !kept[slot] { releases[position].append(slot) }
        // Outputs nobody reads die right after the step that made them.
        for (position, step) in steps.enumerated() {
            for slot in step.outputs where slot >= 0 && lastRead[slot] < 0 && !kept[slot] {
                releases[position].append(slot)
            }
        }
        let finalSteps = steps.enumerated().map { position, step in
            CompiledGraph.Step(
                op: step.op, opType: step.opType, nodeName: step.nodeName,
                inputs: step.inputs, outputs: step.outputs, releases: releases[position])
        }
        // Only constants a step or an output reads stay: the rest were folded or fused away.
        var needed = kept
        for step in finalSteps { for slot in step.inputs where slot >= 0 { needed[slot] = true } }
        let keptConstants = constants.ids(where: { $0 != nil }).compactMap { value -> (slot: Int, tensor: Tensor)? in
            guard let slot = existingSlot(value), needed[slot], let tensor = constants[value] else { return nil }
            return (slot, tensor)
        }
        let givenInputs = graph.inputs.filter { input in inputs.contains { $0.name == input.name && $0.defaultValue == nil } }
        let rowIndependent = rows.graphIsRowIndependent(inputs: givenInputs.map(\.id), outputs: graph.outputs.map(\.id))
        return CompiledGraph(
            slotCount: slotCount, inputs: inputs, outputs: outputs, constants: keptConstants,
            captures: captures, steps: finalSteps,
            rowInputs: rowIndependent ? givenInputs.filter { rows[$0.id] == .rows }.map(\.name) : nil)
    }

    /// `previous` with `node` fused into it, when `node` only transforms `previous`'s single output
    /// (`transformed`) with constants, and no other node reads that output (see `OperatorFusion`).
    /// The fused step stays where `previous` was: everything that reads `node`'s output comes later.
    private func fuse(
        _ node: NodeProto, transforming transformed: ValueID, attributes: NodeAttributes, opset: Int,
        readers: ValueTable<Int32>, inputSlot: Int, constants: ValueTable<Tensor?>, rank: (ValueID) -> Int?,
        after previous: CompiledGraph.Step?
    ) throws(EngineError) -> CompiledGraph.Step? {
        // OperatorFusion reads the transformed value first (in an Add the other side is the constant).
        var node = node
        if node.inputs.first != transformed { node.reverseInputs() }
        guard let previous, let input = node.inputs.first, input == transformed, !input.isEmpty, readers[input] == 1,
            previous.outputs == [inputSlot],
            let output = node.outputs.first, !output.isEmpty,
            let op = try OperatorFusion.fuse(
                node, attributes: attributes, opset: opset, after: previous.op,
                inputRank: rank(input), constant: { constants[$0] })
        else { return nil }
        return CompiledGraph.Step(
            op: op, opType: previous.opType + "+" + node.opType, nodeName: previous.nodeName,
            inputs: previous.inputs, outputs: [], releases: [])
    }

    /// The value of a `Shape` or `Size` node whose input shape is statically known (over the range
    /// `Shape` selects), as the constant it always produces; nil when it depends on the inputs.
    static func staticShapeAnswer(
        _ node: NodeProto, attributes: NodeAttributes,
        shape: ShapeInference.Shape?
    ) throws(EngineError) -> Tensor? {
        guard node.domain.isEmpty || node.domain == "ai.onnx", node.outputs.count == 1, let shape else { return nil }
        switch node.opType {
        case "Shape":
            let rank = shape.count
            func clamp(_ value: Int) -> Int { min(max(value < 0 ? value + rank : value, 0), rank) }
            let start = clamp(try attributes.int("start", default: 0))
            let end = clamp(try attributes.int("end", default: rank))
            let selected = start < end ? Array(shape[start..<end]) : []
            guard let known = selected as? [Int] else { return nil }
            return try Tensor(shape: [known.count], values: known.map { Int64($0) })
        case "Size":
            guard let count = ShapeInference.product(shape) else { return nil }
            return Tensor(scalar: Int64(count))
        default:
            return nil
        }
    }

    /// Operators whose output changes from run to run, which must never be folded.
    static let nondeterministic: Set<String> = [
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout"
    ]
}
