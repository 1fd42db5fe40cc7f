/// One node's rule (see `RowIndependence`): reached only when some input is rows and none mixed.
struct RowRule {
    let node: NodeProto
    let inputStates: [RowIndependence.State]
    let facts: RowIndependence.Facts

    private func state(_ position: Int) -> RowIndependence.State {
        position < inputStates.count ? inputStates[position] : .shared
    }
    private func value(_ position: Int) -> ValueID? {
        position < node.inputs.count && !node.inputs[position].isEmpty ? node.inputs[position] : nil
    }
    private func rank(_ position: Int) -> Int? { value(position).flatMap(facts.shape)?.count }
    /// The static size of axis 0, nil when unknown.
    private func firstDimension(_ position: Int) -> Int? { value(position).flatMap(facts.shape)?.first ?? nil }
    private func constantInts(_ position: Int) -> [Int]? { value(position).flatMap(facts.constant).flatMap { try? $0.intValues() } }
    private func constantFloats(_ position: Int) -> [Float]? { value(position).flatMap(facts.constant).map { $0.floatValues() } }
    private var rowPositions: [Int] { inputStates.indices.filter { inputStates[$0] == .rows } }
    /// Only the first input carries rows; the rest (weights, scalars, parameters) are shared.
    private var onlyFirstIsRows: Bool { rowPositions == [0] }

    private func int(_ name: String, default value: Int) -> Int? { facts.attributes().flatMap { try? $0.int(name, default: value) } }
    /// The attribute when present, nil when absent or unreadable.
    private func ints(_ name: String) -> [Int]? { facts.attributes().flatMap { (try? $0.ints(name)) ?? nil } }

    /// `axis` counted from the front for a value of rank `rank`; nil when that needs an unknown rank
    /// or lands outside.
    private func resolve(_ axis: Int, rank: Int?) -> Int? {
        guard axis < 0 else { return rank.map { axis < $0 ? axis : nil } ?? axis }
        guard let rank, axis + rank >= 0 else { return nil }
        return axis + rank
    }

    /// Rows survive when `axes` (read statically) never touch axis 0 of a rank-`rank` value.
    private func avoidsBatchAxis(_ axes: [Int]?, rank: Int?) -> Bool {
        guard let axes, !axes.isEmpty else { return false }
        return axes.allSatisfy { axis in resolve(axis, rank: rank).map { $0 != 0 } ?? false }
    }

    private func all(_ keeps: Bool) -> [RowIndependence.State] { [keeps ? .rows : .mixed] }

    func outputs() -> [RowIndependence.State] {
        let op = node.opType
        switch op {
        case _ where Self.elementwise.contains(op):
            return all(onlyFirstIsRows)
        case _ where Self.broadcasting.contains(op):
            return all(broadcastKeepsRows())
        case "QuantizeLinear", "DequantizeLinear":
            // A per-axis scale along axis 0 would be per row of the batch the model was made for.
            let perTensor = rank(1) == 0 || (constantFloats(1)?.count == 1 && rank(1) == 1)
            let axis = int("axis", default: 1).flatMap { resolve($0, rank: rank(0)) }
            return all(onlyFirstIsRows && (perTensor || axis.map { $0 != 0 } ?? false))
        case "MatMul", "MatMulInteger", "QLinearMatMul":
            return all(matMulKeepsRows(b: op == "QLinearMatMul" ? 3 : 1))
        case "Gemm":
            // C broadcasts to [rows, N]: it must not have a row dimension of its own.
            let c = value(2) == nil || rank(2).map { $0 <= 1 || firstDimension(2) == 1 } ?? false
            return all(onlyFirstIsRows && int("transA", default: 0) == 0 && c)
        case "Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool",
            "GlobalLpPool", "DepthToSpace", "SpaceToDepth", "InstanceNormalization", "LRN":
            return all(onlyFirstIsRows)
        case "MaxPool":
            // Output 1 holds flat indices into the whole input, batch offset included.
            return onlyFirstIsRows ? [.rows, .mixed] : [.mixed]
        case "BatchNormalization":
            // Inference mode; the running statistics of training mode are over the batch.
            return onlyFirstIsRows ? [.rows, .mixed] : [.mixed]
        case "Softmax", "LogSoftmax", "Hardmax":
            let axis = int("axis", default: facts.opset < 13 ? 1 : -1).flatMap { resolve($0, rank: rank(0)) }
            return all(onlyFirstIsRows && axis.map { $0 != 0 } ?? false)
        case "LayerNormalization":
            let axis = int("axis", default: -1).flatMap { resolve($0, rank: rank(0)) }
            return all(onlyFirstIsRows && axis.map { $0 != 0 } ?? false)
        case "ArgMax", "ArgMin", "TopK":
            let axis = int("axis", default: op == "TopK" ? -1 : 0).flatMap { resolve($0, rank: rank(0)) }
            return all(onlyFirstIsRows && axis.map { $0 != 0 } ?? false)
        case "CumSum":
            return all(onlyFirstIsRows && avoidsBatchAxis(constantInts(1), rank: rank(0)))
        case _ where op.hasPrefix("Reduce"):
            let fromInput = facts.opset >= 18 || (op == "ReduceSum" && facts.opset >= 13)
            let axes = fromInput ? constantInts(1) : ints("axes")
            return all(onlyFirstIsRows && avoidsBatchAxis(axes, rank: rank(0)))
        case "Flatten":
            let axis = int("axis", default: 1).flatMap { resolve($0, rank: rank(0).map { $0 + 1 }) }
            return all(onlyFirstIsRows && axis.map { $0 >= 1 } ?? false)
        case "Reshape":
            return all(onlyFirstIsRows && reshapeKeepsRows())
        case "Transpose":
            guard let attributes = facts.attributes() else { return [.mixed] }
            let keeps = attributes.has("perm") ? ints("perm")?.first == 0 : rank(0) == 1
            return all(onlyFirstIsRows && keeps)
        case "Squeeze", "Unsqueeze":
            let axes = facts.opset >= 13 ? constantInts(1) : ints("axes")
            let resultRank = rank(0).map { op == "Unsqueeze" ? $0 + (axes?.count ?? 0) : $0 }
            return all(onlyFirstIsRows && avoidsBatchAxis(axes, rank: resultRank))
        case "Concat":
            let present = node.inputs.indices.filter { value($0) != nil }
            let axis = int("axis", default: 0).flatMap { resolve($0, rank: rank(0)) }
            return all(present.allSatisfy { state($0) == .rows } && axis.map { $0 != 0 } ?? false)
        case "Split":
            let axis = int("axis", default: 0).flatMap { resolve($0, rank: rank(0)) }
            return all(onlyFirstIsRows && axis.map { $0 != 0 } ?? false)
        case "Slice":
            let axes = facts.opset >= 10 ? constantInts(3) : ints("axes")
            return all(onlyFirstIsRows && avoidsBatchAxis(axes, rank: rank(0)))
        case "Gather":
            let axis = int("axis", default: 0).flatMap { resolve($0, rank: rank(0)) }
            if onlyFirstIsRows { return all(axis.map { $0 != 0 } ?? false) }
            // An embedding lookup: shared table, one row of indices per batch row.
            return all(rowPositions == [1] && axis == 0 && (rank(1) ?? 0) >= 1)
        case "Pad":
            let pads = facts.opset >= 11 ? constantInts(1) : ints("pads")
            guard onlyFirstIsRows, value(3) == nil, let pads, let rank = rank(0), pads.count == 2 * rank, rank >= 1 else { return [.mixed] }
            return all(pads[0] == 0 && pads[rank] == 0)
        case "Resize", "Upsample":
            let scales: [Float]?
            if op == "Upsample" {
                scales = facts.opset >= 9 ? constantFloats(1) : (facts.attributes().flatMap { (try? $0.floats("scales")) ?? nil })
            } else {
                let hasSizes = value(3) != nil && constantFloats(3).map { !$0.isEmpty } ?? true
                let hasAxes = facts.attributes()?.has("axes") ?? true
                scales = hasSizes || hasAxes ? nil : constantFloats(facts.opset >= 11 ? 2 : 1)
            }
            return all(onlyFirstIsRows && scales?.first == 1)
        case "Tile":
            return all(onlyFirstIsRows && constantInts(1)?.first == 1)
        case "Expand":
            guard onlyFirstIsRows, let target = constantInts(1), let rank = rank(0) else { return [.mixed] }
            return all(target.count < rank || (target.count == rank && target.first == 1))
        case "OneHot":
            let axis = int("axis", default: -1).flatMap { resolve($0, rank: rank(0).map { $0 + 1 }) }
            return all(onlyFirstIsRows && axis.map { $0 != 0 } ?? false)
        default:
            return [.mixed]
        }
    }

    /// Numpy broadcasting keeps rows when every rows operand has the result's rank (its axis 0 is
    /// the result's axis 0) and no shared operand has a row dimension other than 1.
    private func broadcastKeepsRows() -> Bool {
        let present = node.inputs.indices.filter { value($0) != nil }
        guard let ranks = present.map({ rank($0) }) as? [Int], let resultRank = ranks.max(), resultRank >= 1 else { return false }
        return zip(present, ranks).allSatisfy { position, rank in
            state(position) == .rows ? rank == resultRank : rank < resultRank || firstDimension(position) == 1
        }
    }

    /// `A × B` keeps rows when A carries them with B a shared matrix (or stack of one), or when both
    /// are stacks of matrices of one rank with the batch in front (attention's batched products).
    private func matMulKeepsRows(b: Int) -> Bool {
        guard let rankA = rank(0), let rankB = rank(b), rankA >= 2 else { return false }
        switch (state(0), state(b)) {
        case (.rows, .shared):
            return rowPositions == [0] && (rankB <= 2 || (rankB <= rankA && (rankB < rankA || firstDimension(b) == 1)))
        case (.rows, .rows):
            return rowPositions == [0, b] && rankA == rankB && rankA >= 3
        default:
            return false
        }
    }

    /// A constant target shape that copies axis 0 (`0` without allowzero), or puts `-1` there with
    /// every other dimension fixed and a row of the input holding exactly those elements.
    private func reshapeKeepsRows() -> Bool {
        guard let target = constantInts(1), let first = target.first else { return false }
        let allowZero = int("allowzero", default: 0) != 0
        if first == 0 && !allowZero { return true }
        guard first == -1, target.dropFirst().allSatisfy({ $0 > 0 }),
            let input = value(0).flatMap(facts.shape), input.count >= 1,
            let perRow = ShapeInference.product(Array(input.dropFirst()))
        else { return false }
        return perRow == target.dropFirst().reduce(1, *)
    }

    /// Operators that map each element (of their first input) on its own; any other inputs are
    /// scalars or parameters.
    static let elementwise: Set<String> = [
        "Relu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu", "Celu", "Gelu", "Softplus",
        "Softsign", "Mish", "ThresholdedRelu", "Shrink", "Cast", "CastLike", "Identity", "Sqrt", "Exp", "Log", "Neg", "Abs",
        "Reciprocal", "Erf", "Floor", "Ceil", "Round", "Sign", "Not", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh",
        "Asinh", "Acosh", "Atanh", "Dropout", "IsNaN", "IsInf", "BitwiseNot"
    ]

    static let broadcasting: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor",
        "Where", "Max", "Min", "Sum", "Mean", "PRelu", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor"
    ]
}
