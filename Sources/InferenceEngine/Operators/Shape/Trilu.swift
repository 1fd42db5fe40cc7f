/// Trilu: keeps the upper (or lower) triangle of each matrix in the last two axes, counting from
/// diagonal `k`, and zeroes the rest.
enum Trilu {
    /// Copies the kept part of every row into `output`, which is zeroed and shaped like `input`.
    static func keepTriangle(_ input: Tensor, into output: Tensor, k: Int, upper: Bool) {
        let rows = input.shape[input.rank - 2]
        let columns = input.shape[input.rank - 1]
        guard rows > 0, columns > 0 else { return }
        let width = input.elementType.byteWidth
        // Clamped so i + k cannot overflow; beyond ±(rows + columns) nothing changes.
        let shift = max(-(rows + columns), min(rows + columns, k))
        for m in 0..<input.count / (rows * columns) {
            for i in 0..<rows {
                // Kept columns: j >= i + k (upper) or j <= i + k (lower).
                let from = upper ? max(0, min(columns, i + shift)) : 0
                let to = upper ? columns : max(0, min(columns, i + shift + 1))
                guard to > from else { continue }
                let offset = ((m * rows + i) * columns + from) * width
                (output.storage.bytes + offset).copyMemory(from: input.storage.bytes + offset, byteCount: (to - from) * width)
            }
        }
    }

    static let schemas: [OperatorSchema] = [
        OperatorSchema("Trilu", since: 14) { context in
            let upper = try context.attributes.int("upper", default: 1) != 0
            return ClosureOperator { inputs, run in
                let input = try inputs.required(0, "input")
                let k = try inputs.optional(1)?.intScalar("k") ?? 0
                guard input.rank >= 2 else { throw OperatorFailure("Trilu needs at least 2 dimensions, got shape \(input.shape)") }
                let output = try run.allocate(input.elementType, input.shape)
                keepTriangle(input, into: output, k: k, upper: upper)
                return [output]
            }
        }
    ]
}
