/// ArgMax and ArgMin: the position of the largest (smallest) element along an axis; the first
/// one among equals, or the last with `select_last_index`. NaN wins as in numpy.
enum ArgExtreme {
    static let argMaxSchema = schema("ArgMax", pickMax: true)
    static let argMinSchema = schema("ArgMin", pickMax: false)

    private static func schema(_ name: String, pickMax: Bool) -> OperatorSchema {
        OperatorSchema(name, since: 1) { context in
            let axis = try context.attributes.int("axis", default: 0)
            let keepDims = try context.attributes.int("keepdims", default: 1) != 0
            let selectLast = try context.attributes.int("select_last_index", default: 0) != 0
            return ClosureOperator { inputs, run in
                let input = try inputs.required(0, "data")
                let resolvedAxis = try IndexCheck.axis(axis, of: input, op: name)
                guard input.shape[resolvedAxis] > 0 else {
                    throw OperatorFailure("\(name): axis \(resolvedAxis) of shape \(input.shape) is empty")
                }
                var shape = input.shape
                if keepDims { shape[resolvedAxis] = 1 } else { shape.remove(at: resolvedAxis) }
                let widened = ComparableView.widened(input, context: run)
                let kernel = Kernel(
                    input: widened, axis: resolvedAxis, outputShape: shape, pickMax: pickMax,
                    selectLast: selectLast, context: run)
                return [try widened.elementType.dispatchNumeric(kernel, op: name)]
            }
        }
    }

    /// Scans [outer, length, inner] row by row, keeping the best of each column, so memory is
    /// read in order whatever the axis.
    private struct Kernel: NumericVisitor {
        let input: Tensor, axis: Int, outputShape: [Int]
        let pickMax: Bool, selectLast: Bool
        let context: ExecutionContext

        func visit<T: NumericElement>(_ type: T.Type) throws -> Tensor {
            let output = try context.allocate(.int64, outputShape)
            let shape = input.shape
            let length = shape[axis]
            let outer = shape.product(0..<axis)
            let inner = shape.product((axis + 1)..<shape.count)
            let x = input.pointer(as: T.self)
            let y = output.mutablePointer(as: Int64.self)
            var best = [T](repeating: T.zero, count: inner)
            for o in 0..<outer {
                let base = o &* length &* inner
                let target = o &* inner
                for i in 0..<inner { best[i] = x[base &+ i] }
                for k in 1..<length {
                    let row = base &+ k &* inner
                    for i in 0..<inner where replaces(x[row &+ i], best[i]) {
                        best[i] = x[row &+ i]
                        y[target &+ i] = Int64(k)
                    }
                }
            }
            return output
        }

        @inline(__always)
        private func replaces<T: NumericElement>(_ candidate: T, _ best: T) -> Bool {
            if best.isNaNValue { return selectLast && candidate.isNaNValue }
            if candidate.isNaNValue { return true }
            if candidate == best { return selectLast }
            return pickMax ? candidate > best : candidate < best
        }
    }
}
