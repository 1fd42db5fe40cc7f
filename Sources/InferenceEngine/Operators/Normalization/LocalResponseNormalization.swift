/// LRN: y = x / (bias + alpha / size · Σ x²)^beta, the sum running over the `size` channels
/// centred on each channel (clipped at the edges).
struct LocalResponseNormalizationOperator: Operator {
    let size: Int
    let alpha: Double
    let beta: Double
    let bias: Double

    init(_ context: OperatorBuildContext) throws {
        guard let size = try context.attributes.int("size"), size > 0 else { throw context.invalid("size must be a positive integer") }
        self.size = size
        alpha = Double(try context.attributes.float("alpha", default: 1e-4))
        beta = Double(try context.attributes.float("beta", default: 0.75))
        bias = Double(try context.attributes.float("bias", default: 1))
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try NormalizationParameters.data(inputs, minimumRank: 2, op: "LRN")
        return try FloatWidening.run([x], narrowTo: x.elementType, context: context) { widened in
            let data = try widened.required(0)
            let y = try context.allocate(data.elementType, data.shape)
            switch data.elementType {
            case .float: normalize(Float.self, data, y)
            case .double: normalize(Double.self, data, y)
            default: throw OperatorFailure("LRN needs floating-point data, got \(data.elementType)")
            }
            return [y]
        }
    }

    private func normalize<T: KernelFloat>(_ type: T.Type, _ x: Tensor, _ y: Tensor) {
        let channels = x.shape[1]
        let spatial = x.shape[2...].reduce(1, *)
        let batch = x.shape[0]
        guard x.count > 0 else { return }
        let source = x.pointer(as: T.self)
        let target = y.mutablePointer(as: T.self)
        let squares = UnsafeMutablePointer<T>.allocate(capacity: spatial)
        defer { squares.deallocate() }
        let before = (size - 1) / 2
        let after = size - 1 - before
        let scale = T(alpha / Double(size))
        let offset = T(bias)
        let exponent = T(beta)
        for n in 0..<batch {
            let sample = source + n &* channels &* spatial
            let out = target + n &* channels &* spatial
            for c in 0..<channels {
                squares.update(repeating: 0, count: spatial)
                for k in max(0, c - before)...min(channels - 1, c + after) {
                    let row = sample + k &* spatial
                    for i in 0..<spatial { squares[i] += row[i] * row[i] }
                }
                let row = sample + c &* spatial
                let result = out + c &* spatial
                for i in 0..<spatial {
                    result[i] = row[i] / T.exponential(exponent * T.naturalLog(offset + scale * squares[i]))
                }
            }
        }
    }
}
