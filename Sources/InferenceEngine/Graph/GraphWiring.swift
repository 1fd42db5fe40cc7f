/// How one graph's nodes connect, worked out before any operator is built: the node producing each
/// value, what each node reads (its inputs, then the outer values its subgraphs read), an order
/// that runs every producer before its readers, and the nodes some graph output needs.
///
/// Per-node lists are stored flat (one array plus offsets) rather than as an array per node: a
/// model of a few hundred small nodes would otherwise spend more memory on these tables while
/// loading than on its weights.
struct GraphWiring {
    /// The node producing each value of this graph; -1 for inputs, initializers and outer values.
    let producer: ValueTable<Int32>
    /// For nodes with subgraphs, the outer values those read, in the order they follow the node's
    /// inputs (kept by node index: most graphs have no such node).
    private let outerReads: [Int: [ValueID]]
    /// Values of enclosing graphs this graph reads, in first-read order.
    let captures: [ValueID]
    /// Whether any node carries a subgraph (If, Loop, Scan).
    let hasSubgraphs: Bool
    private let readValues: [ValueID]
    /// Node `i` reads `readValues[readStart[i] ..< readStart[i + 1]]`.
    private let readStart: [Int]

    /// Checks that every value has one producer and every read resolves (here, or in
    /// `outerScope`), naming the offending node otherwise.
    init(
        _ graph: borrowing GraphProto, defined: ValueTable<Bool>, outerScope: Set<ValueID>, valueCount: Int,
        names: ValueNames
    ) throws(EngineError) {
        var producer = ValueTable<Int32>(count: valueCount, default: -1)
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                guard producer[output] < 0, !defined[output] else {
                    throw EngineError.invalidModel("value '\(names[output])' is produced more than once (node '\(names.node(node))')")
                }
                producer[output] = Int32(index)
            }
        }
        var outerReads: [Int: [ValueID]] = [:]
        var captures: [ValueID] = []
        var readValues: [ValueID] = []
        var readStart = [0]
        var hasSubgraphs = false
        readStart.reserveCapacity(graph.nodes.count + 1)
        for (index, node) in graph.nodes.enumerated() {
            var fromSubgraphs: [ValueID] = []
            for attribute in node.subgraphAttributes ?? [] {
                for subgraph in (attribute.graph.map { [$0] } ?? []) + attribute.graphs {
                    hasSubgraphs = true
                    for value in Self.freeVariables(of: subgraph) where !fromSubgraphs.contains(value) { fromSubgraphs.append(value) }
                }
            }
            if !fromSubgraphs.isEmpty { outerReads[index] = fromSubgraphs }
            let start = readValues.count
            for value in node.inputs + fromSubgraphs where !value.isEmpty && !readValues[start...].contains(value) {
                if !defined[value] && producer[value] < 0 {
                    guard outerScope.contains(value) else {
                        throw EngineError.invalidModel(
                            "node '\(names.node(node))' (\(node.opType)) reads '\(names[value])', which no node produces and is not a graph input or initializer"
                        )
                    }
                    if !captures.contains(value) { captures.append(value) }
                }
                readValues.append(value)
            }
            readStart.append(readValues.count)
        }
        self.producer = producer
        self.outerReads = outerReads
        self.captures = captures
        self.hasSubgraphs = hasSubgraphs
        self.readValues = readValues
        self.readStart = readStart
    }

    var nodeCount: Int { readStart.count - 1 }

    /// The outer values node `index`'s subgraphs read, passed after its own inputs.
    func subgraphReads(_ index: Int) -> [ValueID] { outerReads[index] ?? [] }

    /// The distinct values node `index` reads.
    func reads(_ index: Int) -> ArraySlice<ValueID> { readValues[readStart[index]..<readStart[index + 1]] }

    /// Kahn's algorithm, keeping the file's order where it is already valid; names nodes on a cycle.
    func order(_ nodes: [NodeProto], names: ValueNames) throws(EngineError) -> [Int] {
        var pending = [Int](repeating: 0, count: nodeCount)
        // Dependents of each node, flat: counted first, then filled in.
        var dependentCount = [Int](repeating: 0, count: nodeCount + 1)
        for index in 0..<nodeCount {
            for source in sources(of: index) { dependentCount[source + 1] += 1 }
        }
        for index in 0..<nodeCount { dependentCount[index + 1] += dependentCount[index] }
        var fill = dependentCount
        var dependents = [Int](repeating: 0, count: dependentCount[nodeCount])
        for index in 0..<nodeCount {
            let sources = sources(of: index)
            pending[index] = sources.count
            for source in sources {
                dependents[fill[source]] = index
                fill[source] += 1
            }
        }
        var ready = (0..<nodeCount).filter { pending[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(nodeCount)
        while let next = ready.popLast() {
            order.append(next)
            for dependent in dependents[dependentCount[next]..<dependentCount[next + 1]].reversed() {
                pending[dependent] -= 1
                if pending[dependent] == 0 { ready.append(dependent) }
            }
        }
        guard order.count == nodeCount else {
            let stuck = (0..<nodeCount).filter { pending[$0] > 0 }.prefix(5).map { "'\(names.node(nodes[$0]))'" }
            throw EngineError.invalidModel("the graph has a cycle through nodes \(stuck.joined(separator: ", "))")
        }
        return order
    }

    /// The distinct nodes whose outputs node `index` reads.
    private func sources(of index: Int) -> [Int] {
        var sources: [Int] = []
        for value in reads(index) {
            let source = Int(producer[value])
            if source >= 0 && !sources.contains(source) { sources.append(source) }
        }
        return sources
    }

    /// Which nodes some of `outputs` depends on.
    func liveNodes(for outputs: [ValueID]) -> [Bool] {
        var live = [Bool](repeating: false, count: nodeCount)
        var work = outputs.map { Int(producer[$0]) }.filter { $0 >= 0 }
        while let index = work.popLast() {
            guard !live[index] else { continue }
            live[index] = true
            work += reads(index).map { Int(producer[$0]) }.filter { $0 >= 0 }
        }
        return live
    }

    /// Values a graph reads but does not define (including through nested subgraphs).
    static func freeVariables(of graph: GraphProto) -> [ValueID] {
        var defined = Set(graph.inputs.map(\.id)).union(graph.initializers.map(\.id))
        for node in graph.nodes { defined.formUnion(node.outputs) }
        var free: [ValueID] = []
        for node in graph.nodes {
            var values = node.inputs.filter { !$0.isEmpty }
            for attribute in node.subgraphAttributes ?? [] {
                for subgraph in (attribute.graph.map { [$0] } ?? []) + attribute.graphs { values += freeVariables(of: subgraph) }
            }
            for value in values where !defined.contains(value) && !free.contains(value) { free.append(value) }
        }
        for output in graph.outputs where !output.id.isEmpty && !defined.contains(output.id) && !free.contains(output.id) {
            free.append(output.id)
        }
        return free
    }
}
