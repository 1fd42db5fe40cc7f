/// AffineGrid: the GridSample grid of an affine transform. For `size` [N, C, (D,) H, W] and theta
/// [N, k, k+1] it maps every output pixel's normalized base coordinate (x, y(, z), 1) through
/// theta, giving [N, (D,) H, W, k]. Computes in double (as the reference does) and returns theta's type.
struct AffineGridOperator: Operator {
    let alignCorners: Bool

    static let schema = OperatorSchema("AffineGrid", since: 20) { context in
        let alignCorners = try context.attributes.int("align_corners", default: 0)
        guard alignCorners == 0 || alignCorners == 1 else { throw context.invalid("align_corners \(alignCorners) must be 0 or 1") }
        return AffineGridOperator(alignCorners: alignCorners == 1)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let theta = try inputs.required(0, "theta")
        let sizeTensor = try inputs.required(1, "size")
        try theta.require(ElementType.floats, "AffineGrid theta")
        let size = try sizeTensor.intValues("AffineGrid size")
        guard size.count == 4 || size.count == 5 else {
            throw OperatorFailure("AffineGrid size must be [N, C, H, W] or [N, C, D, H, W], got \(size)")
        }
        let axes = size.count - 2
        let batches = size[0]
        let spatial = Array(size[2...])
        guard theta.shape == [batches, axes, axes + 1] else {
            throw OperatorFailure("AffineGrid theta \(theta.shape) must be [\(batches), \(axes), \(axes + 1)] for size \(size)")
        }
        guard size.allSatisfy({ $0 >= 0 }) else { throw OperatorFailure("AffineGrid size \(size) is negative") }
        let output = try context.allocate(.double, [batches] + spatial + [axes])
        // An empty batch may still name huge spatial sizes: nothing to compute, nothing to size.
        guard output.count > 0 else { return [TensorCast.convert(output, to: theta.elementType, context: context)] }
        let matrices = theta.doubleValues()
        // Base coordinates per axis, outermost first; the homogeneous point lists them innermost first.
        let bases = spatial.map(baseCoordinates)
        let positions = spatial.reduce(1, *)
        let y = output.mutablePointer(as: Double.self)
        var point = [Double](repeating: 1, count: axes + 1)
        for p in 0..<positions {
            var rest = p
            for axis in stride(from: axes - 1, through: 0, by: -1) {
                point[axes - 1 - axis] = bases[axis][rest % spatial[axis]]
                rest /= spatial[axis]
            }
            for n in 0..<batches {
                let matrix = n * axes * (axes + 1)
                let target = (n * positions + p) * axes
                for row in 0..<axes {
                    var sum = 0.0
                    for column in 0...axes { sum += matrices[matrix + row * (axes + 1) + column] * point[column] }
                    y[target + row] = sum
                }
            }
        }
        return [TensorCast.convert(output, to: theta.elementType, context: context)]
    }

    /// Normalized coordinates of the pixels on an axis of `length`: the pixel centers in [-1, 1],
    /// reaching the ends only when corners are aligned. A single pixel sits at 0.
    private func baseCoordinates(_ length: Int) -> [Double] {
        guard length > 1 else { return [Double](repeating: 0, count: length) }
        let size = Double(length)
        return (0..<length).map { i in
            alignCorners ? -1 + Double(i) * (2 / (size - 1)) : -1 + (2 / size) / 2 + Double(i) * (2 / size)
        }
    }
}
