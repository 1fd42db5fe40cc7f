/// How a scale (and zero point) tensor maps onto the elements it quantizes: one value for the
/// whole tensor, one per slice along `axis`, or one per block of `blockSize` along `axis`.
struct QuantizationLayout {
    private enum Mode { case tensor, axis, blocked }
    private let mode: Mode
    private let outer: Int
    private let axisLength: Int
    private let inner: Int
    private let blockSize: Int
    private let total: Int

    init(data: [Int], parameters: [Int], axis: Int, blockSize: Int) throws {
        total = data.reduce(1, *)
        self.blockSize = blockSize
        let count = parameters.reduce(1, *)
        if blockSize <= 0 && parameters.count <= 1 && count == 1 {
            mode = .tensor
            (outer, axisLength, inner) = (1, total, 1)
            return
        }
        let resolved = try normalizedAxis(axis, rank: data.count, "quantization axis")
        outer = data[..<resolved].reduce(1, *)
        axisLength = data.isEmpty ? 1 : data[resolved]
        inner = data.isEmpty ? 1 : data[(resolved + 1)...].reduce(1, *)
        if blockSize > 0 {
            var expected = data
            expected[resolved] = (axisLength + blockSize - 1) / blockSize
            guard parameters == expected else {
                throw OperatorFailure("blocked scale of shape \(parameters) must be \(expected) for data \(data), axis \(axis), block_size \(blockSize)")
            }
            mode = .blocked
        } else {
            guard parameters.count == 1, count == axisLength else {
                throw OperatorFailure("scale of shape \(parameters) must be a scalar or [\(axisLength)] for data \(data) on axis \(axis)")
            }
            mode = .axis
        }
    }

    /// Whether every run of `forEachRun` uses one parameter throughout (per tensor or per axis slice; a blocked
    /// layout steps through parameters within a run), so a run can go to a kernel taking one scale.
    var hasOneParameterPerRun: Bool { mode != .blocked || inner == 1 }

    /// Calls `body(parameter, parameterStep, start, count)` for runs of elements
    /// `start..<start+count`; element `start + j` uses parameter `parameter + j * parameterStep`.
    func forEachRun(_ body: (_ parameter: Int, _ step: Int, _ start: Int, _ count: Int) -> Void) {
        switch mode {
        case .tensor:
            body(0, 0, 0, total)
        case .axis, .blocked:
            let blocks = mode == .axis ? axisLength : (axisLength + blockSize - 1) / blockSize
            for o in 0..<outer {
                for a in 0..<axisLength {
                    let start = (o * axisLength + a) * inner
                    if mode == .axis {
                        body(a, 0, start, inner)
                    } else {
                        body((o * blocks + a / blockSize) * inner, 1, start, inner)
                    }
                }
            }
        }
    }
}

/// The integer types quantized tensors use, for code generic over them.
typealias QuantizedInteger = NumericElement & FixedWidthInteger
