/// HannWindow, HammingWindow and BlackmanWindow: cosine-sum windows of a length given as a scalar
/// input. A periodic window (the default) divides by the length, as spectral analysis wants; a
/// symmetric one by length - 1, as filter design wants.
enum WindowFunction: Sendable {
    case hann, hamming, blackman

    /// Sample `n` of a window whose cosine period is `period` samples.
    func value(_ n: Double, period: Double) -> Double {
        let phase = 2 * Double.pi * n / period
        switch self {
        case .hann:
            let s = sin(phase / 2)
            return s * s
        case .hamming:
            // The spec's exact 25/46 rather than the rounded 0.54.
            let alpha = 25.0 / 46.0
            return alpha - (1 - alpha) * cos(phase)
        case .blackman:
            return 0.42 - 0.5 * cos(phase) + 0.08 * cos(2 * phase)
        }
    }

    static let schemas: [OperatorSchema] = [
        schema("HannWindow", .hann), schema("HammingWindow", .hamming), schema("BlackmanWindow", .blackman)
    ]

    private static func schema(_ name: String, _ window: WindowFunction) -> OperatorSchema {
        OperatorSchema(name, since: 17) { context in
            let type = try GeneratedOutputType.parse(context)
            let periodic = try context.attributes.int("periodic", default: 1) != 0
            return ClosureOperator { inputs, run in
                let size = try IndexCheck.scalarInt(inputs.required(0, "size"), op: name, "size")
                guard size >= 0 else { throw OperatorFailure("\(name) size must not be negative, got \(size)") }
                // Checked before building the values, so a huge size fails instead of exhausting memory.
                _ = try run.checkedByteCount(.double, [size])
                // A symmetric window of one sample divides 0 by 0, giving NaN as the spec's formula does.
                let period = Double(periodic ? size : size - 1)
                let values = (0..<size).map { window.value(Double($0), period: period) }
                return [try GeneratedOutputType.tensor(values, shape: [size], type: type, context: run)]
            }
        }
    }
}
