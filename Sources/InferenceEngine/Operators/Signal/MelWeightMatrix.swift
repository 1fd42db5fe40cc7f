/// MelWeightMatrix: the [dft_length / 2 + 1, num_mel_bins] matrix of triangular filters that maps
/// a one-sided magnitude spectrum onto mel bands. Filter edges are spaced evenly on the mel scale
/// between the two edge frequencies and rounded down to spectrogram bins, as the reference does.
struct MelWeightMatrixOperator: Operator {
    let outputType: ElementType

    init(context: OperatorBuildContext) throws {
        outputType = try GeneratedOutputType.parse(context)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let op = "MelWeightMatrix"
        let melBins = try IndexCheck.scalarInt(inputs.required(0, "num_mel_bins"), op: op, "num_mel_bins")
        let dftLength = try IndexCheck.scalarInt(inputs.required(1, "dft_length"), op: op, "dft_length")
        let sampleRate = try IndexCheck.scalarInt(inputs.required(2, "sample_rate"), op: op, "sample_rate")
        let lowerHertz = try inputs.required(3, "lower_edge_hertz").scalarDouble("\(op) lower_edge_hertz")
        let upperHertz = try inputs.required(4, "upper_edge_hertz").scalarDouble("\(op) upper_edge_hertz")
        guard melBins >= 0, dftLength >= 1, dftLength < Int(Int32.max), sampleRate >= 1 else {
            throw OperatorFailure("\(op) needs num_mel_bins >= 0, dft_length >= 1 and sample_rate >= 1, got \(melBins), \(dftLength), \(sampleRate)")
        }
        let spectrumBins = dftLength / 2 + 1
        let shape = [spectrumBins, melBins]
        _ = try context.checkedByteCount(.double, shape)

        func mel(_ hertz: Double) -> Double { 2595 * log10(1 + hertz / 700) }
        let lowMel = mel(lowerHertz)
        let highMel = mel(upperHertz)
        let step = (highMel - lowMel) / Double(melBins + 2)
        var edges: [Int] = []
        for i in 0..<(melBins + 2) {
            let hertz = 700 * (pow(10, (Double(i) * step + lowMel) / 2595) - 1)
            let bin = (Double(dftLength + 1) * hertz / Double(sampleRate)).rounded(.down)
            guard bin >= 0, bin < Double(spectrumBins) else {
                throw OperatorFailure("\(op): mel edge \(i) at \(hertz) Hz falls outside the \(spectrumBins) spectrogram bins")
            }
            edges.append(Int(bin))
        }

        var values = [Double](repeating: 0, count: spectrumBins * melBins)
        for band in 0..<melBins {
            let low = edges[band]
            let center = edges[band + 1]
            let high = edges[band + 2]
            if center == low {
                values[center * melBins + band] = 1
            } else if center > low {
                for j in low...center { values[j * melBins + band] = Double(j - low) / Double(center - low) }
            }
            if high > center {
                for j in center..<high { values[j * melBins + band] = Double(high - j) / Double(high - center) }
            }
        }
        return [try GeneratedOutputType.tensor(values, shape: shape, type: outputType, context: context)]
    }
}
