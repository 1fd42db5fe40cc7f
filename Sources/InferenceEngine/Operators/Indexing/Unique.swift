/// Unique: the distinct elements (or, with `axis`, the distinct slices along it) with the index
/// of each one's first occurrence, the position of every input in the result, and the counts.
/// Sorted order is numpy's: ascending, slices compared element by element, NaN last; unsorted
/// order is that of first occurrence.
enum Unique {
    static let schema = OperatorSchema("Unique", since: 11) { context in
        let axis = try context.attributes.int("axis")
        let sorted = try context.attributes.int("sorted", default: 1) != 0
        return ClosureOperator { inputs, run in
            let input = try inputs.required(0, "X")
            // Without an axis the input is one axis of single-element slices.
            let shape: [Int]
            let resolvedAxis: Int
            if let axis {
                (shape, resolvedAxis) = (input.shape, try IndexCheck.axis(axis, of: input, op: "Unique"))
            } else {
                (shape, resolvedAxis) = ([input.count], 0)
            }
            let widened = ComparableView.widened(input, context: run)
            let groups = try widened.elementType.dispatchNumeric(
                Grouping(input: widened, shape: shape, axis: resolvedAxis, sorted: sorted), op: "Unique")
            return try result(input, shape: shape, axis: resolvedAxis, groups: groups, context: run)
        }
    }

    /// Distinct slices in output order: each one's first position and count, and each input
    /// slice's position in the output.
    struct Groups {
        var first: [Int] = [], count: [Int] = []
        var inverse: [Int]
    }

    private struct Grouping: NumericVisitor {
        let input: Tensor, shape: [Int], axis: Int, sorted: Bool

        func visit<T: NumericElement>(_ type: T.Type) throws -> Groups {
            let length = shape[axis]
            let outer = shape.product(0..<axis)
            let inner = shape.product((axis + 1)..<shape.count)
            let sliceLength = outer * inner
            // Slices laid out contiguously so comparing two is a walk over adjacent memory.
            let x = input.pointer(as: T.self)
            var slices = [T](repeating: T.zero, count: length * sliceLength)
            for o in 0..<outer {
                for s in 0..<length {
                    for i in 0..<inner { slices[s &* sliceLength &+ o &* inner &+ i] = x[(o &* length &+ s) &* inner &+ i] }
                }
            }
            return slices.withUnsafeBufferPointer { v in
                func compare(_ a: Int, _ b: Int) -> Int {
                    for e in 0..<sliceLength {
                        let p = v[a &* sliceLength &+ e]
                        let q = v[b &* sliceLength &+ e]
                        if NaNLastOrder.less(p, q) { return -1 }
                        if NaNLastOrder.less(q, p) { return 1 }
                    }
                    return 0
                }
                // Equal slices end up adjacent, the first occurrence first.
                let order = (0..<length).sorted { a, b in
                    let c = compare(a, b)
                    return c != 0 ? c < 0 : a < b
                }
                var groups = Groups(inverse: [Int](repeating: 0, count: length))
                var groupOf = [Int](repeating: 0, count: length)
                for (rank, s) in order.enumerated() {
                    if rank == 0 || compare(order[rank - 1], s) != 0 {
                        groups.first.append(s)
                        groups.count.append(0)
                    }
                    groupOf[s] = groups.first.count - 1
                    groups.count[groups.first.count - 1] += 1
                }
                var position = Array(groups.first.indices)
                if !sorted {
                    let byFirst = groups.first.indices.sorted { groups.first[$0] < groups.first[$1] }
                    groups.first = byFirst.map { groups.first[$0] }
                    groups.count = byFirst.map { groups.count[$0] }
                    for (newPosition, group) in byFirst.enumerated() { position[group] = newPosition }
                }
                for s in 0..<length { groups.inverse[s] = position[groupOf[s]] }
                return groups
            }
        }
    }

    private static func result(
        _ input: Tensor, shape: [Int], axis: Int, groups: Groups,
        context: ExecutionContext
    ) throws -> [Tensor] {
        let length = shape[axis]
        let unique = groups.first.count
        let outer = shape.product(0..<axis)
        let inner = shape.product((axis + 1)..<shape.count)
        var outputShape = shape
        outputShape[axis] = unique
        var offsets: [Int] = []
        offsets.reserveCapacity(outer * unique)
        for o in 0..<outer { for s in groups.first { offsets.append((o &* length &+ s) &* inner) } }
        return [
            try ByteBlocks.gather(input, offsets: offsets, blockLength: inner, shape: outputShape, context: context),
            try int64Vector(groups.first, context), try int64Vector(groups.inverse, context), try int64Vector(groups.count, context)
        ]
    }

    private static func int64Vector(_ values: [Int], _ context: ExecutionContext) throws -> Tensor {
        let tensor = try context.allocate(.int64, [values.count])
        let y = tensor.mutablePointer(as: Int64.self)
        for (i, value) in values.enumerated() { y[i] = Int64(value) }
        return tensor
    }
}
