/// NonMaxSuppression: per batch and class, greedily keeps the highest-scoring boxes and drops
/// any box overlapping a kept one by more than the IoU threshold. Follows onnxruntime (and the
/// ONNX reference): ties in score go to the lower box index, a box with zero area or no overlap
/// is never suppressed, and the score threshold filters strictly (score > threshold).
struct NonMaxSuppressionOperator: Operator {
    let centerPointBox: Bool

    init(context: OperatorBuildContext) throws {
        let format = try context.attributes.int("center_point_box", default: 0)
        guard format == 0 || format == 1 else { throw context.invalid("center_point_box \(format) must be 0 or 1") }
        centerPointBox = format == 1
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let boxes = try inputs.required(0, "boxes")
        let scores = try inputs.required(1, "scores")
        guard boxes.rank == 3, boxes.shape[2] == 4 else {
            throw OperatorFailure("NonMaxSuppression boxes must be [batch, boxes, 4], got \(boxes.shape)")
        }
        guard scores.rank == 3, scores.shape[0] == boxes.shape[0], scores.shape[2] == boxes.shape[1] else {
            throw OperatorFailure("NonMaxSuppression scores \(scores.shape) do not match boxes \(boxes.shape) as [batch, classes, boxes]")
        }
        var limit = 0
        if let tensor = inputs.optional(2), tensor.count > 0 { limit = max(try tensor.intValues("max_output_boxes_per_class")[0], 0) }
        var iouThreshold: Float = 0
        if let tensor = inputs.optional(3), tensor.count > 0 { iouThreshold = try tensor.floatScalars("iou_threshold")[0] }
        var scoreThreshold: Float?
        if let tensor = inputs.optional(4), tensor.count > 0 { scoreThreshold = try tensor.floatScalars("score_threshold")[0] }

        let batches = boxes.shape[0]
        let count = boxes.shape[1]
        let classes = scores.shape[1]
        let corners = try boxes.floatScalars("NonMaxSuppression boxes")
        let allScores = try scores.floatScalars("NonMaxSuppression scores")
        var selected: [Int64] = []
        if limit > 0 {
            for batch in 0..<batches {
                let batchBoxes = Array(corners[(batch * count * 4)..<((batch + 1) * count * 4)])
                let normalized = normalize(batchBoxes, count: count)
                for klass in 0..<classes {
                    let offset = (batch * classes + klass) * count
                    let kept = Self.select(
                        scores: allScores[offset..<(offset + count)], boxes: normalized, limit: limit,
                        iouThreshold: iouThreshold, scoreThreshold: scoreThreshold)
                    for index in kept { selected += [Int64(batch), Int64(klass), Int64(index)] }
                }
            }
        }
        return [try Tensor(shape: [selected.count / 3, 3], values: selected)]
    }

    /// Boxes as (yMin, xMin, yMax, xMax), whatever the input format and corner order.
    private func normalize(_ values: [Float], count: Int) -> [(y0: Float, x0: Float, y1: Float, x1: Float)] {
        (0..<count).map { i in
            let a = values[4 * i]
            let b = values[4 * i + 1]
            let c = values[4 * i + 2]
            let d = values[4 * i + 3]
            if centerPointBox {
                return (b - d / 2, a - c / 2, b + d / 2, a + c / 2)
            }
            return (min(a, c), min(b, d), max(a, c), max(b, d))
        }
    }

    private static func select(
        scores: ArraySlice<Float>, boxes: [(y0: Float, x0: Float, y1: Float, x1: Float)], limit: Int,
        iouThreshold: Float, scoreThreshold: Float?
    ) -> [Int] {
        let base = scores.startIndex
        var candidates = (0..<boxes.count).filter { index in
            let score = scores[base + index]
            guard let threshold = scoreThreshold else { return true }
            return score > threshold
        }
        candidates.sort { scores[base + $0] > scores[base + $1] || (scores[base + $0] == scores[base + $1] && $0 < $1) }
        var kept: [Int] = []
        for candidate in candidates {
            if kept.count >= limit { break }
            if kept.allSatisfy({ !suppresses(boxes[$0], boxes[candidate], threshold: iouThreshold) }) { kept.append(candidate) }
        }
        return kept
    }

    private static func suppresses(
        _ a: (y0: Float, x0: Float, y1: Float, x1: Float), _ b: (y0: Float, x0: Float, y1: Float, x1: Float),
        threshold: Float
    ) -> Bool {
        let width = min(a.x1, b.x1) - max(a.x0, b.x0)
        let height = min(a.y1, b.y1) - max(a.y0, b.y0)
        guard width > 0, height > 0 else { return false }
        let intersection = width * height
        let areaA = (a.x1 - a.x0) * (a.y1 - a.y0)
        let areaB = (b.x1 - b.x0) * (b.y1 - b.y0)
        let union = areaA + areaB - intersection
        guard areaA > 0, areaB > 0, union > 0 else { return false }
        return intersection / union > threshold
    }
}
