/// Turns a parsed graph into a `CompiledGraph`: checks that every value has exactly one producer,
/// orders the nodes (rejecting cycles), builds each operator (rejecting unsupported ones with the
/// node named), folds nodes whose inputs are all constants, drops nodes no output depends on, and
/// plans when each value dies.
struct GraphCompiler {
    /// Opset version imported per domain ("" is ai.onnx).
    let opsets: [String: Int]
    let decoder: TensorDecoder

    /// Consumes `graph`: each node's parsed form is dropped as soon as its operator exists, so the
    /// parse tree and the compiled graph are never both whole in memory (for models made of many
    /// small nodes, the two are as large as the weights).
    func compile(_ graph: consuming GraphProto, outerScope: Set<String> = []) throws(EngineError) -> CompiledGraph {
        var slots: [String: Int] = [:]
        func slot(_ name: String) -> Int {
            if let existing = slots[name] { return existing }
            slots[name] = slots.count
            return slots.count - 1
        }

        var constants: [String: Tensor] = [:]
        for (index, initializer) in graph.initializers.enumerated() {
            let name = initializer.name
            guard !name.isEmpty else { throw EngineError.invalidModel("initializer \(index) has no name") }
            constants[name] = try decoder.tensor(from: initializer, context: "initializer '\(name)'")
        }

        var inputs: [CompiledGraph.Input] = []
        var defined = Set(constants.keys)
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
            let defaultValue = constants.removeValue(forKey: input.name)
            inputs.append(.init(name: input.name, slot: slot(input.name), declaredType: declaredType,
                                declaredShape: input.type?.dims, defaultValue: defaultValue))
            defined.insert(input.name)
        }

        // Every value has one producer.
        var producer: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                guard producer[output] == nil, !defined.contains(output) else {
                    throw EngineError.invalidModel("value '\(output)' is produced more than once (node '\(Self.name(of: node))')")
                }
                producer[output] = index
            }
        }

        // What each node reads, including what its subgraphs read from this scope.
        let scopeHere = defined.union(producer.keys)
        var reads: [[String]] = []
        var subgraphReads: [[String]] = []
        var captureNames: [String] = []
        for node in graph.nodes {
            var fromSubgraphs: [String] = []
            for attribute in node.attributes {
                for subgraph in (attribute.graph.map { [$0] } ?? []) + attribute.graphs {
                    for name in Self.freeVariables(of: subgraph) where !fromSubgraphs.contains(name) { fromSubgraphs.append(name) }
                }
            }
            subgraphReads.append(fromSubgraphs)
            let names = node.inputs.filter { !$0.isEmpty } + fromSubgraphs
            for name in names where !scopeHere.contains(name) {
                guard outerScope.contains(name) else {
                    throw EngineError.invalidModel("node '\(Self.name(of: node))' (\(node.opType)) reads '\(name)', which no node produces and is not a graph input or initializer")
                }
                if !captureNames.contains(name) { captureNames.append(name) }
            }
            reads.append(Array(Set(names)))
        }

        let order = try Self.topologicalOrder(graph.nodes, reads: reads, producer: producer)
        let live = Self.liveNodes(graph, reads: reads, producer: producer)

        // Static shapes: declared input dimensions, then whatever ShapeInference derives node by node.
        var shapes: [String: ShapeInference.Shape] = [:]
        for input in inputs where input.defaultValue == nil {
            if let declared = input.declaredShape { shapes[input.name] = declared }
        }
        func shape(of name: String) -> ShapeInference.Shape? {
            if let constant = constants[name] { return constant.shape.map { Optional($0) } }
            return shapes[name]
        }

        // How many nodes read each value (graph outputs count as readers): a value read once may be
        // fused away into the step that produces it.
        var readers: [String: Int] = [:]
        // The first two nodes reading each value: all a fusion looks ahead for, kept inline (an
        // array per value would be tens of kilobytes of load-time peak for a many-node model).
        var consumers: [String: OperatorFusion.FirstReaders] = [:]
        for (index, names) in reads.enumerated() {
            for name in names {
                readers[name, default: 0] += 1
                consumers[name, default: OperatorFusion.FirstReaders()].add(index)
            }
        }
        for output in graph.outputs { readers[output.name, default: 0] += 1 }
        /// Nodes already run inside an earlier step (the rest of a fused HardSwish chain).
        var absorbed = Set<Int>()

        let captures = captureNames.map { (name: $0, slot: slot($0)) }
        let visibleToSubgraphs = outerScope.union(scopeHere)
        var steps: [(step: CompiledGraph.Step, reads: [Int])] = []
        /// The step that produces each slot: a node that only transforms a value fuses into the step
        /// that made it, wherever the schedule placed that step.
        var producerStep: [Int: Int] = [:]
        let foldingContext = ExecutionContext()

        // Constant nodes first (they read nothing, so any order allows it): a fusion that looks
        // ahead along a chain of nodes then finds every constant of the chain already known.
        func isConstantNode(_ index: Int) -> Bool { graph.nodes[index].opType == "Constant" && graph.nodes[index].inputs.isEmpty }
        let schedule = order.filter(isConstantNode) + order.filter { !isConstantNode($0) }
        for index in schedule where live.contains(index) {
            if absorbed.contains(index) {
                graph.nodes[index] = NodeProto()
                continue
            }
            if let chain = OperatorFusion.hardSwishChain(at: index, nodes: graph.nodes, opset: opsets[""] ?? 1, consumers: consumers,
                                                         readers: readers, constant: { constants[$0] })
                ?? OperatorFusion.swishChain(at: index, nodes: graph.nodes, consumers: consumers, readers: readers),
               let inputSlot = slots[chain.input], let target = producerStep[inputSlot],
               case let previous = steps[target].step, previous.outputs == [inputSlot],
               let op = OperatorFusion.fuse(chain.activation, after: previous.op) {
                steps[target].step = CompiledGraph.Step(
                    op: op, opType: previous.opType + "+" + chain.activation.name, nodeName: previous.nodeName, inputs: previous.inputs,
                    outputs: [slot(chain.output)], releases: [])
                producerStep[slot(chain.output)] = target
                shapes[chain.output] = shapes[chain.input]
                absorbed.formUnion(chain.nodes)
                graph.nodes[index] = NodeProto()
                continue
            }
            let node = graph.nodes[index]
            defer { graph.nodes[index] = NodeProto() }
            let nodeName = Self.name(of: node)
            let domain = node.domain == "ai.onnx" ? "" : node.domain
            guard let opset = opsets[domain] else {
                throw EngineError.invalidModel("node '\(nodeName)' uses domain '\(domain)', which the model does not import")
            }
            guard let schema = OperatorRegistry.schema(domain: domain, name: node.opType), opset >= schema.minimumOpset else {
                throw EngineError.unsupportedOperator(op: node.opType, domain: domain, opset: opset, node: nodeName)
            }
            let attributes = NodeAttributes(node.attributes, nodeName: nodeName)
            if let reference = attributes.referenceAttributes.first {
                throw EngineError.unsupportedFeature("attribute '\(reference)' refers to a function attribute", node: nodeName)
            }
            let compiler = self
            let context = OperatorBuildContext(
                node: node, opset: opset, attributes: attributes, decoder: decoder,
                outerValueNames: subgraphReads[index],
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
                continue
            }
            let inferred = ShapeInference.outputs(of: node, attributes: attributes, opset: opset,
                                                  inputs: node.inputs.map { $0.isEmpty ? nil : shape(of: $0) },
                                                  constants: node.inputs.map { $0.isEmpty ? nil : constants[$0] })
            for (output, value) in zip(node.outputs, inferred) where !output.isEmpty { shapes[output] = value }

            let inputSlots = node.inputs.map { $0.isEmpty ? -1 : slot($0) } + subgraphReads[index].map { slot($0) }
            let hasSubgraph = node.attributes.contains { $0.graph != nil || !$0.graphs.isEmpty }
            let foldable = !hasSubgraph && !Self.nondeterministic.contains(node.opType)
                && node.inputs.allSatisfy { $0.isEmpty || constants[$0] != nil }
            if foldable {
                let arguments = node.inputs.map { $0.isEmpty ? nil : constants[$0] }
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
                        throw EngineError.operatorFailed(op: node.opType, node: nodeName,
                                                         reason: "produced \(results.count) outputs, the node expects \(node.outputs.count)")
                    }
                    constants[output] = results[position]
                }
                continue
            }
            // The value a fusable node transforms: its first input, or the non-constant side of an Add.
            let transformed = node.opType == "Add" && node.inputs.count == 2 && constants[node.inputs[0]] != nil
                ? node.inputs[1] : node.inputs.first
            if let transformed, let inputSlot = slots[transformed], let target = producerStep[inputSlot],
               let fused = try fuse(node, transforming: transformed, attributes: attributes, opset: opset, readers: readers,
                                    slots: slots, constants: constants, rank: { shape(of: $0)?.count }, after: steps[target].step) {
                steps[target].step = CompiledGraph.Step(
                    op: fused.op, opType: fused.opType, nodeName: fused.nodeName, inputs: fused.inputs,
                    outputs: [slot(node.outputs[0])], releases: [])
                producerStep[slot(node.outputs[0])] = target
                continue
            }
            let readSlots = inputSlots.filter { $0 >= 0 }
            let step = CompiledGraph.Step(op: op, opType: node.opType, nodeName: nodeName, inputs: inputSlots,
                                          outputs: node.outputs.map { $0.isEmpty ? -1 : slot($0) }, releases: [])
            for output in step.outputs where output >= 0 { producerStep[output] = steps.count }
            steps.append((step, readSlots))
        }

        var outputs: [(name: String, slot: Int)] = []
        for output in graph.outputs {
            guard defined.contains(output.name) || producer[output.name] != nil || constants[output.name] != nil
                    || outerScope.contains(output.name) else {
                throw EngineError.invalidModel("graph output '\(output.name)' is not produced by any node")
            }
            if outerScope.contains(output.name), slots[output.name] == nil, !captureNames.contains(output.name) {
                throw EngineError.unsupportedFeature("graph output '\(output.name)' is an outer-scope value", node: graph.name)
            }
            outputs.append((output.name, slot(output.name)))
        }

        let kept = Set(outputs.map(\.slot))
        var lastRead: [Int: Int] = [:]
        for (position, entry) in steps.enumerated() {
            for slot in entry.reads { lastRead[slot] = position }
        }
        var releases = [[Int]](repeating: [], count: steps.count)
        for (slot, position) in lastRead where !kept.contains(slot) { releases[position].append(slot) }
        // Outputs nobody reads die right after the step that made them.
        for (position, entry) in steps.enumerated() {
            for slot in entry.step.outputs where slot >= 0 && lastRead[slot] == nil && !kept.contains(slot) {
                releases[position].append(slot)
            }
        }
        let finalSteps = steps.enumerated().map { position, entry in
            CompiledGraph.Step(op: entry.step.op, opType: entry.step.opType, nodeName: entry.step.nodeName,
                               inputs: entry.step.inputs, outputs: entry.step.outputs, releases: releases[position])
        }
        return CompiledGraph(slotCount: slots.count, inputs: inputs, outputs: outputs,
                             constants: constants.compactMap { name, tensor in slots[name].map { ($0, tensor) } },
                             captures: captures, steps: finalSteps)
    }

    /// `previous` with `node` fused into it, when `node` only transforms `previous`'s single output
    /// (`transformed`) with constants, and no other node reads that output (see `OperatorFusion`).
    /// The fused step stays where `previous` was: everything that reads `node`'s output comes later.
    private func fuse(_ node: NodeProto, transforming transformed: String, attributes: NodeAttributes, opset: Int,
                      readers: [String: Int], slots: [String: Int], constants: [String: Tensor], rank: (String) -> Int?,
                      after previous: CompiledGraph.Step?) throws(EngineError) -> CompiledGraph.Step? {
        // OperatorFusion reads the transformed value first (in an Add the other side is the constant).
        var node = node
        if node.inputs.first != transformed { node.inputs.reverse() }
        guard let previous, let input = node.inputs.first, input == transformed, !input.isEmpty, readers[input] == 1,
              let inputSlot = slots[input], previous.outputs == [inputSlot],
              let output = node.outputs.first, !output.isEmpty,
              let op = try OperatorFusion.fuse(node, attributes: attributes, opset: opset, after: previous.op,
                                               inputRank: rank(input), constant: { constants[$0] }) else { return nil }
        return CompiledGraph.Step(op: op, opType: previous.opType + "+" + node.opType, nodeName: previous.nodeName,
                                  inputs: previous.inputs, outputs: [], releases: [])
    }

    /// The value of a `Shape` or `Size` node whose input shape is statically known (over the range
    /// `Shape` selects), as the constant it always produces; nil when it depends on the inputs.
    static func staticShapeAnswer(_ node: NodeProto, attributes: NodeAttributes,
                                  shape: ShapeInference.Shape?) throws(EngineError) -> Tensor? {
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
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout",
    ]

    static func name(of node: NodeProto) -> String {
        node.name.isEmpty ? (node.outputs.first(where: { !$0.isEmpty }) ?? node.opType) : node.name
    }

    /// Names a graph reads but does not define (including through nested subgraphs).
    static func freeVariables(of graph: GraphProto) -> [String] {
        var defined = Set(graph.inputs.map(\.name)).union(graph.initializers.map(\.name))
        for node in graph.nodes { defined.formUnion(node.outputs) }
        var free: [String] = []
        for node in graph.nodes {
            var names = node.inputs.filter { !$0.isEmpty }
            for attribute in node.attributes {
                for subgraph in (attribute.graph.map { [$0] } ?? []) + attribute.graphs { names += freeVariables(of: subgraph) }
            }
            for name in names where !defined.contains(name) && !free.contains(name) { free.append(name) }
        }
        for output in graph.outputs where !defined.contains(output.name) && !free.contains(output.name) { free.append(output.name) }
        return free
    }

    /// Kahn's algorithm, keeping the file's order where it is already valid; names nodes on a cycle.
    static func topologicalOrder(_ nodes: [NodeProto], reads: [[String]], producer: [String: Int]) throws(EngineError) -> [Int] {
        var pending = [Int](repeating: 0, count: nodes.count)
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for index in nodes.indices {
            let sources = Set(reads[index].compactMap { producer[$0] })
            pending[index] = sources.count
            for source in sources { dependents[source].append(index) }
        }
        var ready = nodes.indices.filter { pending[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let next = ready.popLast() {
            order.append(next)
            for dependent in dependents[next].reversed() {
                pending[dependent] -= 1
                if pending[dependent] == 0 { ready.append(dependent) }
            }
        }
        guard order.count == nodes.count else {
            let stuck = nodes.indices.filter { pending[$0] > 0 }.prefix(5).map { "'\(name(of: nodes[$0]))'" }
            throw EngineError.invalidModel("the graph has a cycle through nodes \(stuck.joined(separator: ", "))")
        }
        return order
    }

    /// Nodes that some graph output depends on.
    static func liveNodes(_ graph: GraphProto, reads: [[String]], producer: [String: Int]) -> Set<Int> {
        var live = Set<Int>()
        var work = graph.outputs.compactMap { producer[$0.name] }
        while let index = work.popLast() {
            guard live.insert(index).inserted else { continue }
            work += reads[index].compactMap { producer[$0] }
        }
        return live
    }
}
