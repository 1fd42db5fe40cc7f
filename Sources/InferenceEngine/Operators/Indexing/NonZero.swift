/// NonZero: the coordinates of every non-zero element, one row per axis, in row-major order.
/// A scalar counts as a one-element vector, as onnxruntime treats it.
enum NonZero {
    static let schema = OperatorSchema("NonZero", since: 9) { _ in
        ClosureOperator { inputs, run in
            let input = try inputs.required(0, "X")
            // Bools are read as bytes: raw data may hold values other than 0 and 1.
            let flags =
                input.elementType == .bool
                ? try Flags(input: input).visit(UInt8.self)
                : try input.elementType.dispatch(Flags(input: input), op: "NonZero")
            return [try coordinates(of: flags, shape: input.rank == 0 ? [1] : input.shape, context: run)]
        }
    }

    /// Whether each element is non-zero (-0.0 is zero, NaN is not).
    private struct Flags: ElementVisitor {
        let input: Tensor
        func visit<T: TensorElement>(_ type: T.Type) throws -> [Bool] {
            let x = input.pointer(as: T.self)
            return (0..<input.count).map { x[$0].isNonZero }
        }
    }

    private static func coordinates(of flags: [Bool], shape: [Int], context: ExecutionContext) throws -> Tensor {
        let rank = shape.count
        let found = flags.reduce(0) { $0 + ($1 ? 1 : 0) }
        let output = try context.allocate(.int64, [rank, found])
        let y = output.mutablePointer(as: Int64.self)
        var coordinates = [Int](repeating: 0, count: rank)
        var column = 0
        for flag in flags {
            if flag {
                for d in 0..<rank { y[d &* found &+ column] = Int64(coordinates[d]) }
                column += 1
            }
            var d = rank - 1
            while d >= 0 {
                coordinates[d] += 1
                if coordinates[d] < shape[d] { break }
                coordinates[d] = 0
                d -= 1
            }
        }
        return output
    }
}
