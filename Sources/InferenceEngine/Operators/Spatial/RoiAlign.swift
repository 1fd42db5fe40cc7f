/// RoiAlign: pools each region of interest into an output_height x output_width grid of bins,
/// each bin the average (or maximum) of a regular grid of bilinear samples. Follows onnxruntime
/// and the ONNX reference exactly, including their max mode, which takes the maximum of the four
/// weighted corner terms rather than of the interpolated values. Computes in float32.
struct RoiAlignOperator: Operator {
    let maxMode: Bool
    /// half_pixel shifts ROI corners by -0.5 pixel; output_half_pixel (the only behavior before
    /// opset 16) does not, and instead forces malformed ROIs to at least 1x1.
    let halfPixel: Bool
    let outputHeight: Int
    let outputWidth: Int
    let samplingRatio: Int
    let spatialScale: Float

    /// Samples per bin beyond which a ROI is rejected rather than computed for hours.
    static let maximumSamples = 1 << 20

    static let schema = OperatorSchema("RoiAlign", since: 10) { context in try RoiAlignOperator(context) }

    init(_ context: OperatorBuildContext) throws {
        let attributes = context.attributes
        let mode = try attributes.string("mode", default: "avg")
        guard mode == "avg" || mode == "max" else { throw context.invalid("mode '\(mode)' must be avg or max") }
        maxMode = mode == "max"
        let coordinates = try attributes.string(
            "coordinate_transformation_mode",
            default: context.opset >= 16 ? "half_pixel" : "output_half_pixel")
        guard coordinates == "half_pixel" || coordinates == "output_half_pixel" else {
            throw context.invalid("coordinate_transformation_mode '\(coordinates)' must be half_pixel or output_half_pixel")
        }
        halfPixel = coordinates == "half_pixel"
        outputHeight = try attributes.int("output_height", default: 1)
        outputWidth = try attributes.int("output_width", default: 1)
        samplingRatio = try attributes.int("sampling_ratio", default: 0)
        spatialScale = try attributes.float("spatial_scale", default: 1)
        guard (1...Int(Int32.max)).contains(outputHeight), (1...Int(Int32.max)).contains(outputWidth) else {
            throw context.invalid("output_height \(outputHeight) and output_width \(outputWidth) must be positive")
        }
        guard (0...Self.maximumSamples).contains(samplingRatio) else {
            throw context.invalid("sampling_ratio \(samplingRatio) must be in 0...\(Self.maximumSamples)")
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "X")
        let rois = try inputs.required(1, "rois")
        let batchIndices = try inputs.required(2, "batch_indices")
        try x.require(ElementType.floats, "RoiAlign X")
        try rois.require(ElementType.floats, "RoiAlign rois")
        guard x.rank == 4, rois.rank == 2, rois.shape[1] == 4, batchIndices.shape == [rois.shape[0]] else {
            throw OperatorFailure("RoiAlign needs X [N, C, H, W], rois [R, 4] and batch_indices [R], got \(x.shape), \(rois.shape), \(batchIndices.shape)")
        }
        let channels = x.shape[1]
        let height = x.shape[2]
        let width = x.shape[3]
        let roiCount = rois.shape[0]
        let batches = try batchIndices.intValues("RoiAlign batch_indices")
        for (roi, batch) in batches.enumerated() where batch < 0 || batch >= x.shape[0] {
            throw OperatorFailure("RoiAlign batch index \(batch) of roi \(roi) is outside the \(x.shape[0]) images")
        }
        let output = try context.allocate(.float, [roiCount, channels, outputHeight, outputWidth])
        guard output.count > 0, height > 0, width > 0 else { return [TensorCast.convert(output, to: x.elementType, context: context)] }
        let image = TensorCast.convert(x, to: .float, context: context).pointer(as: Float.self)
        let boxes = TensorCast.convert(rois, to: .float, context: context).pointer(as: Float.self)
        let y = output.mutablePointer(as: Float.self)
        let plane = height * width
        let bins = outputHeight * outputWidth
        var accumulator = BinAccumulator(channels: channels, maxMode: maxMode)
        for roi in 0..<roiCount {
            let box = boxes + roi * 4
            let offset: Float = halfPixel ? 0.5 : 0
            let startW = box[0] * spatialScale - offset
            let startH = box[1] * spatialScale - offset
            var roiWidth = box[2] * spatialScale - offset - startW
            var roiHeight = box[3] * spatialScale - offset - startH
            if !halfPixel {
                roiWidth = max(roiWidth, 1)
                roiHeight = max(roiHeight, 1)
            }
            let binH = roiHeight / Float(outputHeight)
            let binW = roiWidth / Float(outputWidth)
            let rows = try samples(binH, roi: roi)
            let columns = try samples(binW, roi: roi)
            guard rows * columns <= Self.maximumSamples else {
                throw OperatorFailure("RoiAlign roi \(roi) needs \(rows)x\(columns) samples per bin; at most \(Self.maximumSamples) are supported")
            }
            let count = Float(max(rows * columns, 1))
            let batchImage = image + batches[roi] * channels * plane
            for ph in 0..<outputHeight {
                for pw in 0..<outputWidth {
                    accumulator.reset()
                    let top = startH + Float(ph) * binH
                    let left = startW + Float(pw) * binW
                    for iy in 0..<rows {
                        let sampleY = top + (Float(iy) + 0.5) * binH / Float(rows)
                        for ix in 0..<columns {
                            let sampleX = left + (Float(ix) + 0.5) * binW / Float(columns)
                            let sample = BilinearSample(y: sampleY, x: sampleX, height: height, width: width)
                            accumulator.add(sample, image: batchImage, plane: plane)
                        }
                    }
                    for c in 0..<channels {
                        y[(roi * channels + c) * bins + ph * outputWidth + pw] =
                            maxMode ? accumulator.values[c] : accumulator.values[c] / count
                    }
                }
            }
        }
        return [TensorCast.convert(output, to: x.elementType, context: context)]
    }

    /// Samples per bin along one axis: the attribute, or enough to step about one pixel.
    private func samples(_ binSize: Float, roi: Int) throws -> Int {
        if samplingRatio > 0 { return samplingRatio }
        let needed = binSize.rounded(.up)
        // NaN and inverted boxes (possible with half_pixel) sample nothing.
        guard !needed.isNaN, needed > 0 else { return 0 }
        guard needed <= Float(Self.maximumSamples) else {
            throw OperatorFailure("RoiAlign roi \(roi) needs \(needed) samples per bin; at most \(Self.maximumSamples) are supported")
        }
        return Int(needed)
    }
}

/// One bilinear sample: four pixel offsets within a plane and their weights.
private struct BilinearSample {
    var positions: (Int, Int, Int, Int) = (0, 0, 0, 0)
    var weights: (Float, Float, Float, Float) = (0, 0, 0, 0)

    /// A sample more than a pixel outside the map (or at NaN) reads nothing: zero weights.
    init(y sampleY: Float, x sampleX: Float, height: Int, width: Int) {
        guard sampleY >= -1, sampleY <= Float(height), sampleX >= -1, sampleX <= Float(width) else { return }
        var y = max(sampleY, 0)
        var x = max(sampleX, 0)
        var yLow = Int(y)
        var xLow = Int(x)
        var yHigh = yLow + 1
        var xHigh = xLow + 1
        if yLow >= height - 1 {
            yLow = height - 1
            yHigh = yLow
            y = Float(yLow)
        }
        if xLow >= width - 1 {
            xLow = width - 1
            xHigh = xLow
            x = Float(xLow)
        }
        let ly = y - Float(yLow)
        let lx = x - Float(xLow)
        let hy = 1 - ly
        let hx = 1 - lx
        positions = (yLow * width + xLow, yLow * width + xHigh, yHigh * width + xLow, yHigh * width + xHigh)
        weights = (hy * hx, hy * lx, ly * hx, ly * lx)
    }
}

/// Per-channel sums (or maxima) over the samples of one bin.
private struct BinAccumulator {
    var values: [Float]
    let maxMode: Bool
    private var empty = true

    init(channels: Int, maxMode: Bool) {
        values = [Float](repeating: 0, count: channels)
        self.maxMode = maxMode
    }

    mutating func reset() {
        for c in values.indices { values[c] = 0 }
        empty = true
    }

    /// Adds a sample of every channel; max mode keeps the largest weighted corner term.
    mutating func add(_ sample: BilinearSample, image: UnsafePointer<Float>, plane: Int) {
        let (p1, p2, p3, p4) = sample.positions
        let (w1, w2, w3, w4) = sample.weights
        for c in values.indices {
            let source = image + c * plane
            if maxMode {
                let value = max(w1 * source[p1], w2 * source[p2], w3 * source[p3], w4 * source[p4])
                values[c] = empty ? value : max(values[c], value)
            } else {
                values[c] += w1 * source[p1] + w2 * source[p2] + w3 * source[p3] + w4 * source[p4]
            }
        }
        empty = false
    }
}
