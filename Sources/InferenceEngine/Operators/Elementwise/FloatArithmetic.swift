/// Add, Sub, Mul and Div on float32: the elementwise work between the convolutions of a vision
/// model, split over the run's threads.
///
/// Each loop names its operation as a literal closure inside the code a thread runs, so it is
/// inlined and vectorized there; the generic `Broadcast.binary` cannot do that across threads.
enum FloatArithmetic {
    enum Operation: Sendable { case add, subtract, multiply, divide }

    static func run(_ operation: Operation, _ a: Tensor, _ b: Tensor, context: ExecutionContext) throws -> Tensor {
        let shape = a.shape == b.shape ? a.shape : try Broadcast.shape([a.shape, b.shape])
        let output = try context.allocate(.float, shape, zeroed: false)
        let x = a.pointer(as: Float.self)
        let y = b.pointer(as: Float.self)
        let z = output.mutablePointer(as: Float.self)
        if a.shape == b.shape || a.count == 1 || b.count == 1 {
            // One contiguous operand pair (a scalar repeats): split the flat range.
            let strideX = a.count == 1 && b.count != 1 ? 0 : 1
            let strideY = b.count == 1 && a.count != 1 ? 0 : 1
            context.forEachRange(output.count) { range in
                apply(
                    operation, x + range.lowerBound * strideX, strideX, y + range.lowerBound * strideY, strideY,
                    z + range.lowerBound, range.count)
            }
        } else {
            // A real broadcast, e.g. [N, C, H, W] * [N, C, 1, 1]: split the output's rows.
            let sa = Broadcast.strides(of: a.shape, in: shape)
            let sb = Broadcast.strides(of: b.shape, in: shape)
            let rowLength = max(shape.last ?? 1, 1)
            context.forEachRange(output.count / rowLength, minimumPerThread: ExecutionContext.elementsPerThread / rowLength, granularity: 1) { rows in
                Broadcast.forEachRow(shape: shape, operandStrides: [sa, sb], rows: rows) { start, offsets, length, inner in
                    apply(operation, x + offsets[0], inner[0], y + offsets[1], inner[1], z + start, length)
                }
            }
        }
        return output
    }

    /// `z[i] = x[i * strideX] op y[i * strideY]`; strides are 0 (a repeated value) or 1.
    private static func apply(
        _ operation: Operation, _ x: UnsafePointer<Float>, _ strideX: Int,
        _ y: UnsafePointer<Float>, _ strideY: Int, _ z: UnsafeMutablePointer<Float>, _ count: Int
    ) {
        switch operation {
        case .add: loop(x, strideX, y, strideY, z, count) { $0 + $1 }
        case .subtract: loop(x, strideX, y, strideY, z, count) { $0 - $1 }
        case .multiply: loop(x, strideX, y, strideY, z, count) { $0 * $1 }
        case .divide: loop(x, strideX, y, strideY, z, count) { $0 / $1 }
        }
    }

    @inline(__always)
    private static func loop(
        _ x: UnsafePointer<Float>, _ strideX: Int, _ y: UnsafePointer<Float>, _ strideY: Int,
        _ z: UnsafeMutablePointer<Float>, _ count: Int, _ op: (Float, Float) -> Float
    ) {
        switch (strideX, strideY) {
        case (1, 1): for i in 0..<count { z[i] = op(x[i], y[i]) }
        case (1, 0):
            let v = y[0]
            for i in 0..<count { z[i] = op(x[i], v) }
        case (0, 1):
            let v = x[0]
            for i in 0..<count { z[i] = op(v, y[i]) }
        default: for i in 0..<count { z[i] = op(x[i &* strideX], y[i &* strideY]) }
        }
    }
}
