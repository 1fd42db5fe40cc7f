/// LpNormalization: divides each slice along `axis` by its L1 or L2 norm; an all-zero slice
/// stays zero instead of becoming 0/0.
struct LpNormalizationOperator: Operator {
    let axis: Int
    let p: Int

    init(_ context: OperatorBuildContext) throws {
        axis = try context.attributes.int("axis", default: -1)
        p = try context.attributes.int("p", default: 2)
        guard p == 1 || p == 2 else { throw context.invalid("p must be 1 or 2, got \(p)") }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try NormalizationParameters.data(inputs, minimumRank: 1, op: "LpNormalization")
        let resolved = try normalizedAxis(axis, rank: x.rank)
        let layout = AxisLayout(shape: x.shape, axis: resolved)
        return try FloatWidening.run([x], narrowTo: x.elementType, context: context) { widened in
            let data = try widened.required(0)
            let y = try context.allocate(data.elementType, data.shape)
            switch data.elementType {
            case .float: normalize(Float.self, data, y, layout)
            case .double: normalize(Double.self, data, y, layout)
            default: throw OperatorFailure("LpNormalization needs floating-point data, got \(data.elementType)")
            }
            return [y]
        }
    }

    private func normalize<T: BinaryFloatingPoint>(_ type: T.Type, _ x: Tensor, _ y: Tensor, _ layout: AxisLayout) {
        let source = x.pointer(as: T.self)
        let target = y.mutablePointer(as: T.self)
        let slice = layout.length &* layout.inner
        for o in 0..<layout.outer {
            for j in 0..<layout.inner {
                let start = o &* slice &+ j
                var norm: T = 0
                for a in 0..<layout.length {
                    let v = source[start &+ a &* layout.inner]
                    norm += p == 1 ? Swift.abs(v) : v * v
                }
                if p == 2 { norm = norm.squareRoot() }
                guard norm != 0 else { continue }
                for a in 0..<layout.length {
                    let index = start &+ a &* layout.inner
                    target[index] = source[index] / norm
                }
            }
        }
    }
}
