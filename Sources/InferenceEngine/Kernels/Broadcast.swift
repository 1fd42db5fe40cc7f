/// Numpy-style (multidirectional) broadcasting, which most ONNX element-wise operators use.
enum Broadcast {
    /// The broadcast shape of several shapes, or a failure naming them.
    static func shape(_ shapes: [[Int]]) throws -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (axis, dim) in shape.enumerated() {
                let current = result[offset + axis]
                if current == dim || dim == 1 { continue }
                guard current == 1 else {
                    throw OperatorFailure("shapes \(shapes.map { "\($0)" }.joined(separator: " and ")) do not broadcast")
                }
                result[offset + axis] = dim
            }
        }
        return result
    }

    /// Element strides of `shape` viewed in `target` (0 along broadcast axes).
    static func strides(of shape: [Int], in target: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var stride = 1
        let offset = target.count - shape.count
        for axis in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
            strides[offset + axis] = shape[axis] == 1 ? 0 : stride
            stride *= shape[axis]
        }
        return strides
    }

    /// Calls `body(outputOffset, offsets)` for every run of the innermost axis, with the starting
    /// offset of each operand and the run length; `innerStrides` are the operands' strides along it.
    /// `rows`, when given, limits the walk to those runs (counted in the output's row-major order),
    /// so threads can take disjoint parts of one broadcast.
    static func forEachRow(
        shape: [Int], operandStrides: [[Int]], rows: Range<Int>? = nil,
        _ body: (_ start: Int, _ offsets: [Int], _ length: Int, _ innerStrides: [Int]) -> Void
    ) {
        let total = shape.reduce(1, *)
        guard total > 0 else { return }
        guard let inner = shape.last else {
            body(0, operandStrides.map { _ in 0 }, 1, operandStrides.map { _ in 0 })
            return
        }
        let rank = shape.count
        let innerStrides = operandStrides.map { $0[rank - 1] }
        var index = [Int](repeating: 0, count: rank)
        var offsets = [Int](repeating: 0, count: operandStrides.count)
        let firstRow = rows?.lowerBound ?? 0
        var remainder = firstRow
        for axis in stride(from: rank - 2, through: 0, by: -1) where remainder > 0 {
            index[axis] = remainder % shape[axis]
            remainder /= shape[axis]
            for operand in offsets.indices { offsets[operand] += index[axis] * operandStrides[operand][axis] }
        }
        var start = firstRow * inner
        let count = rows.map { min(total, $0.upperBound * inner) } ?? total
        while start < count {
            body(start, offsets, inner, innerStrides)
            start += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                for operand in offsets.indices { offsets[operand] += operandStrides[operand][axis] }
                if index[axis] < shape[axis] { break }
                for operand in offsets.indices { offsets[operand] -= operandStrides[operand][axis] * shape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// `output[i] = op(a[i], b[i])` over the broadcast of `a` and `b`.
    ///
    /// Runs on the calling thread: `op` arrives as a closure value, so a loop handed to another
    /// thread would call it per element instead of inlining it (5-10x slower than the vectorized
    /// loop). The hot float32 arithmetic has its own parallel kernel (`FloatArithmetic`).
    static func binary<T, R>(
        _ a: Tensor, _ b: Tensor, _ input: T.Type, _ resultType: ElementType,
        context: ExecutionContext, _ op: (T, T) -> R
    ) throws -> Tensor {
        let outShape = a.shape == b.shape ? a.shape : try shape([a.shape, b.shape])
        let output = try context.allocate(resultType, outShape)
        let pa = a.pointer(as: T.self)
        let pb = b.pointer(as: T.self)
        let po = output.mutablePointer(as: R.self)
        if a.shape == b.shape {
            for i in 0..<output.count { po[i] = op(pa[i], pb[i]) }
        } else if b.count == 1 {
            let scalar = pb[0]
            for i in 0..<output.count { po[i] = op(pa[i], scalar) }
        } else if a.count == 1 {
            let scalar = pa[0]
            for i in 0..<output.count { po[i] = op(scalar, pb[i]) }
        } else {
            let sa = strides(of: a.shape, in: outShape)
            let sb = strides(of: b.shape, in: outShape)
            forEachRow(shape: outShape, operandStrides: [sa, sb]) { start, offsets, length, inner in
                var ia = offsets[0]
                var ib = offsets[1]
                let da = inner[0]
                let db = inner[1]
                for j in 0..<length {
                    po[start + j] = op(pa[ia], pb[ib])
                    ia += da
                    ib += db
                }
            }
        }
        return output
    }

    /// Copies `input` broadcast to `target` (Expand, and inputs of variadic operators).
    static func expand(_ input: Tensor, to target: [Int], context: ExecutionContext) throws -> Tensor {
        if input.shape == target { return input }
        let output = try context.allocate(input.elementType, target)
        let width = input.elementType.byteWidth
        let source = input.storage.bytes
        let destination = output.storage.bytes
        let s = strides(of: input.shape, in: target)
        forEachRow(shape: target, operandStrides: [s]) { start, offsets, length, inner in
            if inner[0] == 1 {
                (destination + start * width).copyMemory(from: source + offsets[0] * width, byteCount: length * width)
            } else {
                for j in 0..<length {
                    (destination + (start + j) * width).copyMemory(from: source + (offsets[0] + j * inner[0]) * width, byteCount: width)
                }
            }
        }
        return output
    }
}
