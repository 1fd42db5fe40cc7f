/// Det: the determinant of each square matrix in the last two axes, by LU decomposition with
/// partial pivoting in float64 (the input may be any float type; the result is converted back).
struct DeterminantOperator: Operator {
    static let schema = OperatorSchema("Det", since: 11) { _ in DeterminantOperator() }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let input = try inputs.required(0, "X")
        let shape = input.shape
        guard shape.count >= 2, shape[shape.count - 1] == shape[shape.count - 2] else {
            throw OperatorFailure("Det needs square matrices in the last two axes, got shape \(shape)")
        }
        guard input.elementType.isFloatingPoint else {
            throw OperatorFailure("Det needs a floating-point input, got \(input.elementType)")
        }
        let size = shape[shape.count - 1]
        let batchShape = Array(shape.dropLast(2))
        let wide = TensorCast.convert(input, to: .double, context: context)
        let output = try context.allocate(.double, batchShape)
        let source = wide.pointer(as: Double.self)
        let destination = output.mutablePointer(as: Double.self)
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: max(size * size, 1))
        defer { scratch.deallocate() }
        for b in 0..<output.count {
            scratch.update(from: source + b * size * size, count: size * size)
            destination[b] = Self.determinant(scratch, size)
        }
        return [TensorCast.convert(output, to: input.elementType, context: context)]
    }

    /// Destroys `a` (row-major n x n).
    static func determinant(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        // A NaN would never be chosen as pivot and could hide behind a zero column.
        for i in 0..<(n * n) where a[i].isNaN { return .nan }
        var result = 1.0
        for k in 0..<n {
            var pivot = k
            var largest = abs(a[k * n + k])
            for r in (k + 1)..<max(n, k + 1) where abs(a[r * n + k]) > largest {
                largest = abs(a[r * n + k])
                pivot = r
            }
            if largest == 0 { return 0 }
            if pivot != k {
                for c in 0..<n { swap(&a[k * n + c], &a[pivot * n + c]) }
                result = -result
            }
            let diagonal = a[k * n + k]
            result *= diagonal
            for r in (k + 1)..<max(n, k + 1) {
                let factor = a[r * n + k] / diagonal
                if factor == 0 { continue }
                for c in (k + 1)..<n { a[r * n + c] -= factor * a[k * n + c] }
            }
        }
        return result
    }
}
