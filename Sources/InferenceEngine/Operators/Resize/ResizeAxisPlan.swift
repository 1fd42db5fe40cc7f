/// How one axis is resampled: for each output position, which input positions contribute and
/// with what weights (interpolating modes), or which single input position it copies (nearest).
/// Resampling is separable, so an N-D resize is one plan per axis.
struct ResizeAxisPlan {
    let inputLength: Int
    let outputLength: Int
    /// Contributions per output position (interpolating modes); 1 for nearest.
    let taps: Int
    /// [outputLength · taps] input positions, clamped into the input.
    let indices: [Int]
    /// [outputLength · taps] weights (interpolating modes).
    let weights: [Double]
    /// Output positions outside the crop box (tf_crop_and_resize), which take the extrapolation value.
    let extrapolated: [Bool]

    var isIdentity: Bool {
        inputLength == outputLength && taps == 1 && !extrapolated.contains(true)
            && indices.enumerated().allSatisfy { $0.offset == $0.element }
    }

    /// `scale` is the output/input ratio the coordinate mapping uses (given, or derived from sizes);
    /// `roi` the axis's crop box for tf_crop_and_resize.
    init(settings: ResizeSettings, inputLength: Int, outputLength: Int, scale: Double, roi: (start: Double, end: Double)) {
        self.inputLength = inputLength
        self.outputLength = outputLength
        let nominal = scale * Double(inputLength)
        var coordinates = [Double](repeating: 0, count: outputLength)
        var outside = [Bool](repeating: false, count: outputLength)
        for y in 0..<outputLength {
            let position = Double(y)
            let x: Double
            switch settings.coordinates {
            case .halfPixel:
                x = (position + 0.5) / scale - 0.5
            case .halfPixelSymmetric:
                let adjustment = Double(outputLength) / nominal
                let offset = Double(inputLength) / 2 * (1 - adjustment)
                x = offset + (position + 0.5) / scale - 0.5
            case .pytorchHalfPixel:
                x = nominal == 1 ? -0.5 : (position + 0.5) / scale - 0.5
            case .alignCorners:
                x = nominal == 1 ? 0 : position * Double(inputLength - 1) / (nominal - 1)
            case .asymmetric where settings.nearest == .legacy:
                // Upsample and Resize-10 come from onnxruntime, which maps in float32; float64 would
                // move exact positions such as 8 / 1.6 just below an integer and change the pick.
                x = Double(Float(position) / Float(scale))
            case .asymmetric:
                x = position / scale
            case .tfCropAndResize:
                let span = (roi.end - roi.start) * Double(inputLength - 1)
                x = (nominal == 1 ? span / 2 : position * span / (nominal - 1)) + roi.start * Double(inputLength - 1)
                outside[y] = x < 0 || x > Double(inputLength - 1)
            }
            coordinates[y] = x
        }
        extrapolated = outside
        let last = inputLength - 1
        if settings.mode == .nearest {
            taps = 1
            weights = []
            indices = coordinates.map { x in
                guard x.isFinite else { return 0 }
                let lower = x.rounded(.down)
                let fraction = x - lower
                var index: Double
                if fraction == 0 {
                    index = x
                } else {
                    switch settings.nearest {
                    case .roundPreferFloor: index = fraction <= 0.5 ? lower : lower + 1
                    case .roundPreferCeil: index = fraction < 0.5 ? lower : lower + 1
                    case .floor: index = lower
                    case .ceil: index = lower + 1
                    case .legacy: index = scale < 1 ? lower + 1 : x.rounded(.towardZero)
                    }
                }
                return Int(min(max(index, 0), Double(max(last, 0))))
            }
            return
        }
        let kernel = ResizeKernelWeights(settings: settings, scale: scale)
        taps = kernel.taps
        var allIndices = [Int](repeating: 0, count: outputLength * taps)
        var allWeights = [Double](repeating: 0, count: outputLength * taps)
        var tap = [Double](repeating: 0, count: taps)
        for y in 0..<outputLength {
            let x = coordinates[y].isFinite ? coordinates[y] : 0
            // The left neighbour is preferred: an exact integer x sits at ratio 1 from x − 1.
            let lower = x.rounded(.down)
            let base = lower == x ? lower - 1 : lower
            let ratio = x - base
            kernel.weights(ratio: ratio, into: &tap)
            let first = Int(max(min(base, 1e15), -1e15)) - taps / 2 + 1
            var total = 0.0
            for k in 0..<taps {
                let index = first + k
                if settings.excludeOutside && (index < 0 || index > last) { tap[k] = 0 }
                total += tap[k]
                allIndices[y * taps + k] = min(max(index, 0), max(last, 0))
            }
            let norm = settings.excludeOutside && total != 0 ? 1 / total : 1
            for k in 0..<taps { allWeights[y * taps + k] = tap[k] * norm }
        }
        indices = allIndices
        weights = allWeights
    }
}

/// Interpolation weights for a fractional position: linear and cubic, and their antialiased
/// (widened, renormalised) forms for downsampling.
struct ResizeKernelWeights {
    enum Kind {
        case linear
        case cubic(a: Double)
    }
    let kind: Kind
    /// Kernel scale for antialiasing: min(scale, 1); 1 without antialias.
    let stretch: Double
    let antialias: Bool
    let taps: Int
    /// Offset of the first tap from the base position.
    let firstOffset: Int

    init(settings: ResizeSettings, scale: Double) {
        kind = settings.mode == .cubic ? .cubic(a: settings.cubicA) : .linear
        antialias = settings.antialias
        stretch = settings.antialias ? min(scale, 1) : 1
        let support: Double
        switch kind {
        case .linear: support = 1
        case .cubic: support = 2
        }
        firstOffset = Int((-support / stretch).rounded(.down)) + 1
        taps = 2 - 2 * firstOffset
    }

    func weights(ratio: Double, into tap: inout [Double]) {
        switch kind {
        case .linear where !antialias:
            tap[0] = 1 - ratio
            tap[1] = ratio
        case .cubic(let a) where !antialias:
            let r1 = ratio + 1
            let s = 1 - ratio
            let s1 = s + 1
            tap[0] = ((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a
            tap[1] = ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1
            tap[2] = ((a + 2) * s - (a + 3)) * s * s + 1
            tap[3] = ((a * s1 - 5 * a) * s1 + 8 * a) * s1 - 4 * a
        case .linear:
            var total = 0.0
            for k in 0..<taps {
                let argument = (Double(firstOffset + k) - ratio) * stretch
                tap[k] = min(max(1 - abs(argument), 0), 1)
                total += tap[k]
            }
            if total != 0 { for k in 0..<taps { tap[k] /= total } }
        case .cubic(let a):
            var total = 0.0
            for k in 0..<taps {
                let x = abs(stretch * (Double(firstOffset + k) - ratio))
                let x2 = x * x
                let x3 = x2 * x
                tap[k] = x <= 1 ? (a + 2) * x3 - (a + 3) * x2 + 1 : (x < 2 ? a * x3 - 5 * a * x2 + 8 * a * x - 4 * a : 0)
                total += tap[k]
            }
            if total != 0 { for k in 0..<taps { tap[k] /= total } }
        }
    }
}
