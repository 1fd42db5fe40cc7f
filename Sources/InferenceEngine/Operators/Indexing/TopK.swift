/// TopK: the k largest (or smallest) elements along an axis with their indices, best first.
/// Equal values keep their original order (lower index first) as onnxruntime does; NaN counts
/// as larger than every number.
enum TopK {
    static let schema = OperatorSchema("TopK", since: 1) { context in
        let axis = try context.attributes.int("axis", default: -1)
        let largest = try context.attributes.int("largest", default: 1) != 0
        // `sorted` = 0 leaves the order unspecified, so sorted results conform either way.
        var attributeK: Int?
        if context.opset < 10 {
            guard let k = try context.attributes.int("k") else { throw context.invalid("attribute k is required before opset 10") }
            attributeK = k
        }
        return ClosureOperator { [attributeK] inputs, run in
            let input = try inputs.required(0, "X")
            let k = try attributeK ?? IndexCheck.scalarInt(inputs.required(1, "K"), op: "TopK", "k")
            let resolvedAxis = try IndexCheck.axis(axis, of: input, op: "TopK")
            let shape = input.shape
            let length = shape[resolvedAxis]
            guard k >= 0, k <= length else {
                throw OperatorFailure("TopK: k = \(k) is outside 0...\(length) (axis \(resolvedAxis) of shape \(shape))")
            }
            let widened = ComparableView.widened(input, context: run)
            let kernel = Kernel(input: widened, axis: resolvedAxis, k: k, largest: largest, context: run)
            let (values, indices) = try widened.elementType.dispatchNumeric(kernel, op: "TopK")
            return [ComparableView.restored(values, to: input.elementType, context: run), indices]
        }
    }

    private struct Kernel: NumericVisitor {
        let input: Tensor, axis: Int, k: Int, largest: Bool
        let context: ExecutionContext

        func visit<T: NumericElement>(_ type: T.Type) throws -> (Tensor, Tensor) {
            var shape = input.shape
            let length = shape[axis]
            shape[axis] = k
            let values = try context.allocate(T.elementType, shape)
            let indices = try context.allocate(.int64, shape)
            let outer = shape.product(0..<axis)
            let inner = shape.product((axis + 1)..<shape.count)
            guard k > 0, inner > 0 else { return (values, indices) }
            let x = input.pointer(as: T.self)
            let y = values.mutablePointer(as: T.self)
            let z = indices.mutablePointer(as: Int64.self)
            var slice = [T](repeating: T.zero, count: length)
            var order: [Int] = []
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o &* length &* inner &+ i
                    for j in 0..<length { slice[j] = x[base &+ j &* inner] }
                    TopSelection.select(slice, k: k, largest: largest, into: &order)
                    let target = o &* k &* inner &+ i
                    for r in 0..<k {
                        y[target &+ r &* inner] = slice[order[r]]
                        z[target &+ r &* inner] = Int64(order[r])
                    }
                }
            }
            return (values, indices)
        }
    }
}

/// Picks the positions of the k best values, best first. A full sort costs n log n; when k is a
/// small part of n a heap of the k best so far costs n log k, which matters for vocabulary-sized
/// rows.
enum TopSelection {
    static func select<T: NumericElement>(_ values: [T], k: Int, largest: Bool, into order: inout [Int]) {
        values.withUnsafeBufferPointer { v in
            // `precedes(a, b)`: position a ranks before position b; ties go to the lower position.
            func precedes(_ a: Int, _ b: Int) -> Bool {
                let (first, second) = largest ? (v[b], v[a]) : (v[a], v[b])
                if NaNLastOrder.less(first, second) { return true }
                return !NaNLastOrder.less(second, first) && a < b
            }
            let n = v.count
            order.removeAll(keepingCapacity: true)
            if k &* 4 >= n {
                order.append(contentsOf: 0..<n)
                order.sort(by: precedes)
                return
            }
            // Max-heap on rank: the root is the worst of the k kept so far.
            order.append(contentsOf: 0..<k)
            func siftDown(_ start: Int) {
                var parent = start
                while true {
                    let left = 2 &* parent &+ 1
                    let right = left &+ 1
                    var worst = parent
                    if left < k && precedes(order[worst], order[left]) { worst = left }
                    if right < k && precedes(order[worst], order[right]) { worst = right }
                    if worst == parent { return }
                    order.swapAt(parent, worst)
                    parent = worst
                }
            }
            for start in stride(from: k / 2 - 1, through: 0, by: -1) { siftDown(start) }
            for candidate in k..<n where precedes(candidate, order[0]) {
                order[0] = candidate
                siftDown(0)
            }
            order.sort(by: precedes)
        }
    }
}
