/// Whether a graph treats the rows of its batch apart: row i of every output depends only on row i
/// of the inputs (axis 0). When it does, a large batch can run as slices of rows with the outputs
/// joined (`InferenceSession`'s row slicing), and the activations a run holds scale with the slice
/// instead of the batch: a 100k-row request to a 256-wide MLP needs megabytes, not gigabytes.
///
/// The analysis runs node by node at compile time and is conservative: every operator not listed
/// here, every axis or shape it cannot read statically, and every subgraph makes the rows `mixed`,
/// and a graph with a mixed output is run whole. A wrong "independent" would change answers, so
/// each rule below names the condition under which the operator provably keeps rows apart.
struct RowIndependence {
    enum State: UInt8 {
        /// Does not depend on the batch: constants, and values made only from them or from inputs
        /// whose first dimension is fixed (those are passed whole to every slice).
        case shared
        /// Axis 0 is the batch, and each row depends only on the same row of the inputs.
        case rows
        /// A [1, n] value whose column j depends only on row j: what scikit-learn exports make of a
        /// label table and one index per row (ArrayFeatureExtractor), until a Reshape turns it back.
        case columns
        /// Integers computed from a rows value's shape (Shape → Gather → Unsqueeze → Concat, the way
        /// exporters write `x.view(x.size(0), -1)`), followed symbolically in `sizes`: the row count
        /// in them is the slice's in a sliced run, which is what a Reshape to [rows, ...] needs.
        case sizes
        /// Anything else (rows combined, reordered, counted, or not known).
        case mixed
    }

    private var states: ValueTable<State>
    /// The symbolic value of every `.sizes` value.
    var sizes: [ValueID: SizeVector] = [:]
    /// Static shapes of values reshaped by a computed target (`State.sizes`), which shape inference
    /// alone cannot know (the row count entry is nil).
    var shapesFromSizes: [ValueID: [Int?]] = [:]

    init(valueCount: Int) { states = ValueTable(count: valueCount, default: .shared) }

    subscript(value: ValueID) -> State {
        get { states[value] }
        set { states[value] = newValue }
    }

    /// A graph input: rows when its first dimension is symbolic, shared when it is fixed, mixed
    /// when its shape is not declared (its rank is then unknown, and so is what its axis 0 means).
    mutating func declareInput(_ value: ValueID, shape: [Int?]?) {
        guard let shape else {
            states[value] = .mixed
            return
        }
        states[value] = shape.first.map { $0 == nil ? .rows : .shared } ?? .shared
    }

    /// A value that became a constant at compile time (a folded Shape or Size).
    mutating func markShared(_ value: ValueID) { states[value] = .shared }

    /// What the compiler knows statically about a node's surroundings.
    struct Facts {
        let opset: Int
        let shape: (ValueID) -> [Int?]?
        let constant: (ValueID) -> Tensor?
        /// Decoded only for nodes that read rows (most rules need none).
        let attributes: () -> NodeAttributes?
    }

    /// Sets the state of `node`'s outputs from its inputs' (and, for a node with subgraphs, the
    /// outer values its subgraphs read).
    mutating func visit(_ node: NodeProto, subgraphReads: some Sequence<ValueID>, facts: Facts) {
        let inputs = node.inputs.map { self[$0] }
        let outer = subgraphReads.map { self[$0] }
        let result: [State]
        if inputs.contains(.mixed) || outer.contains(.mixed) {
            result = [.mixed]
        } else if inputs.allSatisfy({ $0 == .shared }) && outer.allSatisfy({ $0 == .shared }) {
            result = [.shared]
        } else if node.subgraphAttributes != nil || !outer.allSatisfy({ $0 == .shared }) {
            result = [.mixed]
        } else if node.domain == "ai.onnx.ml" {
            result = [Self.labelLookup(node, inputs, facts: facts)]
        } else if !(node.domain.isEmpty || node.domain == "ai.onnx") {
            result = [.mixed]
        } else if inputs.contains(.columns) {
            result = [Self.columnsFollowed(node, inputs, facts: facts)]
        } else if inputs.contains(.sizes) || (node.opType == "Shape" && inputs == [.rows]) {
            result = [followSizes(through: node, inputs, facts: facts)]
        } else {
            let rule = RowRule(node: node, inputStates: inputs, facts: facts)
            result = rule.outputs()
        }
        for (position, output) in node.outputs.enumerated() {
            states[output] = position < result.count ? result[position] : result[result.count - 1]
        }
    }

    /// ArrayFeatureExtractor over a shared 1-D table with one index per row gives a [1, n] output
    /// (as onnxruntime does), one column per row.
    private static func labelLookup(_ node: NodeProto, _ inputs: [State], facts: Facts) -> State {
        guard node.opType == "ArrayFeatureExtractor", inputs == [.shared, .rows], let table = facts.shape(node.inputs[0]),
            let indices = facts.shape(node.inputs[1]), table.count == 1, indices.count == 1 || (indices.count == 2 && indices[1] == 1)
        else { return .mixed }
        return .columns
    }

    /// A [1, n] column value stays one through a cast, and becomes rows again through a Reshape to
    /// [-1] or [-1, 1, ...]; anything else is not followed.
    private static func columnsFollowed(_ node: NodeProto, _ inputs: [State], facts: Facts) -> State {
        guard inputs.first == .columns, inputs.dropFirst().allSatisfy({ $0 == .shared }) else { return .mixed }
        switch node.opType {
        case "Cast", "Identity":
            return .columns
        case "Reshape":
            guard node.inputs.count >= 2, let target = facts.constant(node.inputs[1]).flatMap({ try? $0.intValues() }),
                target.first == -1, target.dropFirst().allSatisfy({ $0 == 1 })
            else { return .mixed }
            return .rows
        default:
            return .mixed
        }
    }

    /// Whether the graph can run in slices: every input given per run is rows or shared, at least
    /// one is rows, and every output is rows.
    func graphIsRowIndependent(inputs: [ValueID], outputs: [ValueID]) -> Bool {
        let given = inputs.map { self[$0] }
        return given.contains(.rows) && !given.contains(.mixed) && !outputs.isEmpty && outputs.allSatisfy { self[$0] == .rows }
    }
}
