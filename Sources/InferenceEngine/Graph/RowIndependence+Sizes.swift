/// Shape arithmetic on a batch's row count, followed at compile time (see `RowIndependence.State.sizes`).
///
/// PyTorch exports flatten with `Shape → Gather(0) → Unsqueeze → Concat([·, -1]) → Reshape`: the
/// target shape is computed per run from the input's row count. Such a Reshape keeps rows apart
/// exactly when the computed target starts with the row count and the rest is fixed, so the
/// integers are followed as symbols through the few operators exporters use for this; any other
/// use of them makes the graph run whole.
struct SizeVector: Equatable {
    enum Entry: Equatable {
        /// The number of rows of the batch (of the slice, in a sliced run).
        case rows
        case known(Int)
        /// Computed at run time from something other than the row count.
        case unknown
    }

    var entries: [Entry]
    /// A scalar (Gather with a scalar index) rather than a 1-D tensor.
    var isScalar = false
}

extension RowIndependence {
    /// The state of a node that reads `.sizes` values (or takes the Shape of a rows value), with
    /// the symbolic value of its output recorded.
    mutating func followSizes(through node: NodeProto, _ inputs: [State], facts: Facts) -> State {
        guard let output = node.outputs.first, node.outputs.count == 1,
            let outcome = SizeArithmetic(node: node, inputs: inputs, rowsSizes: sizes, facts: facts).result()
        else { return .mixed }
        switch outcome {
        case .sizes(let value):
            sizes[output] = value
            // Integers that never involve the row count are the same in every slice as in the whole run.
            return value.entries.contains(.rows) ? .sizes : .shared
        case .rowsKept(let shape):
            shapesFromSizes[output] = shape
            return .rows
        }
    }
}

/// One node of shape arithmetic: what its output is, symbolically.
private struct SizeArithmetic {
    enum Outcome {
        case sizes(SizeVector)
        /// A Reshape or Expand to a target that starts with the row count: its output keeps the
        /// rows apart, and has this static shape (row count unknown).
        case rowsKept([Int?])
    }

    let node: NodeProto
    let inputs: [RowIndependence.State]
    let rowsSizes: [ValueID: SizeVector]
    let facts: RowIndependence.Facts

    /// The input at `position` as a symbolic vector: followed sizes, or a constant of integers.
    private func vector(_ position: Int) -> SizeVector? {
        guard position < node.inputs.count, !node.inputs[position].isEmpty else { return nil }
        let value = node.inputs[position]
        if let followed = rowsSizes[value] { return followed }
        guard inputs[position] == .shared else { return nil }
        if let constant = facts.constant(value), constant.rank <= 1, let integers = try? constant.intValues() {
            return SizeVector(entries: integers.map { .known($0) }, isScalar: constant.rank == 0)
        }
        // Shared integers computed at run time: the same in every slice, values unknown here.
        guard let shape = facts.shape(value), shape.count <= 1, let count = shape.isEmpty ? 1 : shape[0] else { return nil }
        return SizeVector(entries: Array(repeating: .unknown, count: count), isScalar: shape.isEmpty)
    }

    private func int(_ name: String, default value: Int) -> Int? { facts.attributes().flatMap { try? $0.int(name, default: value) } }
    private func ints(_ name: String) -> [Int]? { facts.attributes().flatMap { (try? $0.ints(name)) ?? nil } }

    func result() -> Outcome? {
        switch node.opType {
        case "Shape":
            guard let shape = facts.shape(node.inputs[0]), let start = int("start", default: 0), let end = int("end", default: shape.count)
            else { return nil }
            let entries: [SizeVector.Entry] = shape.enumerated().map { axis, size in axis == 0 ? .rows : size.map { .known($0) } ?? .unknown }
            let clamp = { (value: Int) in min(max(value < 0 ? value + shape.count : value, 0), shape.count) }
            let (from, to) = (clamp(start), clamp(end))
            return .sizes(SizeVector(entries: from < to ? Array(entries[from..<to]) : []))
        case "Cast", "Identity":
            return vector(0).map { .sizes($0) }
        case "Gather":
            guard let data = vector(0), !data.isScalar, int("axis", default: 0) == 0, let indices = vector(1), inputs[1] == .shared else { return nil }
            var picked: [SizeVector.Entry] = []
            for entry in indices.entries {
                guard case .known(let index) = entry, index >= -data.entries.count, index < data.entries.count else { return nil }
                picked.append(data.entries[index < 0 ? index + data.entries.count : index])
            }
            return .sizes(SizeVector(entries: picked, isScalar: indices.isScalar))
        case "Unsqueeze":
            let axes = facts.opset >= 13 ? vector(1)?.entries : ints("axes")?.map { .known($0) }
            guard let value = vector(0), value.isScalar, axes == [.known(0)] || axes == [.known(-1)] else { return nil }
            return .sizes(SizeVector(entries: value.entries))
        case "Squeeze":
            let axes = facts.opset >= 13 ? vector(1)?.entries : ints("axes")?.map { .known($0) }
            guard let value = vector(0), !value.isScalar, value.entries.count == 1, axes == nil || axes == [.known(0)] || axes == [.known(-1)]
            else { return nil }
            return .sizes(SizeVector(entries: value.entries, isScalar: true))
        case "Concat":
            guard int("axis", default: 0) == 0 || int("axis", default: 0) == -1 else { return nil }
            var entries: [SizeVector.Entry] = []
            for position in node.inputs.indices {
                guard let part = vector(position), !part.isScalar else { return nil }
                entries += part.entries
            }
            return .sizes(SizeVector(entries: entries))
        case "Slice":
            guard facts.opset >= 10, let value = vector(0), !value.isScalar,
                let starts = vector(1)?.entries, let ends = vector(2)?.entries, starts.count == 1, ends.count == 1,
                case .known(let start) = starts[0], case .known(let end) = ends[0],
                vector(3).map({ $0.entries == [.known(0)] }) ?? true, vector(4).map({ $0.entries == [.known(1)] }) ?? true
            else { return nil }
            let count = value.entries.count
            let clamp = { (bound: Int) in min(max(bound < 0 ? bound + count : bound, 0), count) }
            let (from, to) = (clamp(start), clamp(end))
            return .sizes(SizeVector(entries: from < to ? Array(value.entries[from..<to]) : []))
        case "Reshape":
            // The data carries rows; the target starts with the row count and fixes the rest of each row.
            guard inputs.count >= 2, inputs[0] == .rows, inputs[1] == .sizes, let target = vector(1), !target.isScalar,
                target.entries.first == .rows, int("allowzero", default: 0) == 0,
                !target.entries.dropFirst().contains(.rows), let input = facts.shape(node.inputs[0])
            else { return nil }
            // Each row is reshaped on its own (the rest of the target does not involve the row
            // count): a -1 is what is left of a row, a 0 copies the input's size.
            let rest: [Int?] = target.entries.dropFirst().map { if case .known(let size) = $0 { size } else { nil } }
            guard rest.allSatisfy({ ($0 ?? 0) >= -1 }), rest.filter({ $0 == -1 }).count <= 1 else { return nil }
            var shape: [Int?] =
                [nil]
                + rest.enumerated().map { offset, size in
                    guard let size else { return nil }
                    return size == 0 ? (offset + 1 < input.count ? input[offset + 1] : nil) : size >= 0 ? size : nil
                }
            if let free = rest.firstIndex(of: -1), let perRow = ShapeInference.product(Array(input.dropFirst())),
                let fixed = ShapeInference.product(shape.dropFirst().enumerated().filter { $0.offset != free }.map(\.element)), fixed > 0
            {
                shape[free + 1] = perRow / fixed
            }
            return .rowsKept(shape)
        case "Expand":
            // numpy broadcasting of the rows to a target of their rank whose first entry is the row count (or 1).
            guard inputs.count == 2, inputs[0] == .rows, inputs[1] == .sizes, let target = vector(1), !target.isScalar,
                let input = facts.shape(node.inputs[0]), target.entries.count == input.count,
                target.entries.first == .rows || target.entries.first == .known(1)
            else { return nil }
            var shape: [Int?] = [nil]
            for (size, entry) in zip(input.dropFirst(), target.entries.dropFirst()) {
                guard entry != .rows else { return nil }
                guard case .known(let wanted) = entry else {
                    shape.append(nil)
                    continue
                }
                guard wanted >= 1 else { return nil }
                shape.append(wanted == 1 ? size : size.map { $0 == 1 || $0 == wanted ? wanted : -1 } ?? nil)
            }
            guard !shape.contains(-1) else { return nil }
            return .rowsKept(shape)
        default:
            return nil
        }
    }
}
