/// How far one output of a quantized model is from the float model's, over the same inputs.
public struct OutputDeviation: Sendable, Codable, Equatable {
    public enum Measure: String, Sendable, Codable {
        /// `sqrt(Σ(q − f)² / Σf²)` over every element of every sample: float outputs (scores, boxes, embeddings).
        /// Relative, so one limit serves outputs of any scale.
        case relativeRMS = "relative_rms"
        /// The share of elements that differ at all: integer and boolean outputs (labels, classes, masks), where
        /// "close" means nothing.
        case mismatchedFraction = "mismatched_fraction"
    }

    public let output: String
    public let measure: Measure
    public let value: Double

    /// Runs both sessions on every sample and measures each output of `candidate` against `reference`'s.
    public static func measure(candidate: InferenceSession, reference: InferenceSession, samples: [[String: Tensor]]) throws -> [OutputDeviation] {
        let names = reference.outputNames
        guard candidate.outputNames == names else {
            throw QuantizationRefusal("the quantized model's outputs \(candidate.outputNames) differ from the float model's \(names)")
        }
        var sums = [(difference: Double, reference: Double, mismatched: Int, count: Int, float: Bool)](
            repeating: (0, 0, 0, 0, true), count: names.count)
        for sample in samples {
            let expected = try reference.runOrdered(sample)
            let actual = try candidate.runOrdered(sample)
            for index in names.indices {
                let (a, e) = (actual[index], expected[index])
                guard a.shape == e.shape else {
                    throw QuantizationRefusal("output '\(names[index])' has shape \(a.shape) quantized and \(e.shape) in float")
                }
                let float = e.elementType.isFloatingPoint
                sums[index].float = float
                sums[index].count += e.count
                if float {
                    for (x, y) in zip(a.doubleValues(), e.doubleValues()) {
                        sums[index].difference += (x - y) * (x - y)
                        sums[index].reference += y * y
                    }
                } else {
                    sums[index].mismatched += zip(a.doubleValues(), e.doubleValues()).filter { $0 != $1 }.count
                }
            }
        }
        return names.indices.map { index in
            let sum = sums[index]
            if sum.float {
                let value = sum.reference > 0 ? (sum.difference / sum.reference).squareRoot() : sum.difference.squareRoot()
                return OutputDeviation(output: names[index], measure: .relativeRMS, value: value)
            }
            return OutputDeviation(output: names[index], measure: .mismatchedFraction, value: sum.count == 0 ? 0 : Double(sum.mismatched) / Double(sum.count))
        }
    }
}
