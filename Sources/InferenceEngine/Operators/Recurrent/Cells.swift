/// The three ONNX recurrent cells. Gate orders follow the spec: LSTM i, o, f, c; GRU z, r, h.

struct RNNCell: RecurrentCell {
    static let opName = "RNN"
    static let gateCount = 1
    static let defaultActivations: [RecurrentActivation] = [.tanh]
    static let carriesCellState = false
    func foldsRecurrentBias(gate: Int) -> Bool { true }

    @inline(__always)
    func step(
        _ gates: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, weights: RecurrentWeights
    ) {
        let hidden = weights.hidden
        weights.addRecurrence(rows: 0, count: hidden, state: h, into: gates)
        weights.activations[0].apply(gates, hidden, clip: weights.clip)
        h.update(from: gates, count: hidden)
    }
}

struct GRUCell: RecurrentCell {
    static let opName = "GRU"
    static let gateCount = 3
    static let defaultActivations: [RecurrentActivation] = [.sigmoid, .tanh]
    static let carriesCellState = false
    let linearBeforeReset: Bool

    func foldsRecurrentBias(gate: Int) -> Bool { gate != 2 || !linearBeforeReset }

    @inline(__always)
    func step(
        _ gates: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, weights: RecurrentWeights
    ) {
        let hidden = weights.hidden
        let z = gates
        let r = gates + hidden
        let candidate = gates + 2 * hidden
        let f = weights.activations[0]
        let g = weights.activations[1]
        weights.addRecurrence(rows: 0, count: 2 * hidden, state: h, into: gates)
        f.apply(z, hidden, clip: weights.clip)
        f.apply(r, hidden, clip: weights.clip)
        if linearBeforeReset {
            // h̃ = g(Xt·Whᵀ + Wbh + r ⊙ (Hₜ₋₁·Rhᵀ + Rbh))
            if let bias = weights.recurrentBias {
                scratch.update(from: bias + 2 * hidden, count: hidden)
            } else {
                scratch.update(repeating: 0, count: hidden)
            }
            weights.addRecurrence(rows: 2 * hidden, count: hidden, state: h, into: scratch)
            for i in 0..<hidden { candidate[i] += r[i] * scratch[i] }
        } else {
            // h̃ = g(Xt·Whᵀ + (r ⊙ Hₜ₋₁)·Rhᵀ + Rbh + Wbh)
            for i in 0..<hidden { scratch[i] = r[i] * h[i] }
            weights.addRecurrence(rows: 2 * hidden, count: hidden, state: scratch, into: candidate)
        }
        g.apply(candidate, hidden, clip: weights.clip)
        for i in 0..<hidden { h[i] = (1 - z[i]) * candidate[i] + z[i] * h[i] }
    }
}

struct LSTMCell: RecurrentCell {
    static let opName = "LSTM"
    static let gateCount = 4
    static let defaultActivations: [RecurrentActivation] = [.sigmoid, .tanh, .tanh]
    static let carriesCellState = true
    /// Couples the input and forget gates: f = 1 − i.
    let inputForget: Bool

    func foldsRecurrentBias(gate: Int) -> Bool { true }

    @inline(__always)
    func step(
        _ gates: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, weights: RecurrentWeights
    ) {
        let hidden = weights.hidden
        let clip = weights.clip
        let input = gates
        let output = gates + hidden
        let forget = gates + 2 * hidden
        let block = gates + 3 * hidden
        let f = weights.activations[0]
        let g = weights.activations[1]
        let hAct = weights.activations[2]
        weights.addRecurrence(rows: 0, count: 4 * hidden, state: h, into: gates)
        let peepholes = weights.peepholes
        if let p = peepholes {
            for i in 0..<hidden { input[i] += p[i] * c[i] }
        }
        f.apply(input, hidden, clip: clip)
        if inputForget {
            for i in 0..<hidden { forget[i] = 1 - input[i] }
        } else {
            if let p = peepholes {
                let pf = p + 2 * hidden
                for i in 0..<hidden { forget[i] += pf[i] * c[i] }
            }
            f.apply(forget, hidden, clip: clip)
        }
        g.apply(block, hidden, clip: clip)
        for i in 0..<hidden { c[i] = forget[i] * c[i] + input[i] * block[i] }
        if let p = peepholes {
            let po = p + hidden
            for i in 0..<hidden { output[i] += po[i] * c[i] }
        }
        f.apply(output, hidden, clip: clip)
        scratch.update(from: c, count: hidden)
        hAct.apply(scratch, hidden, clip: nil)
        for i in 0..<hidden { h[i] = output[i] * scratch[i] }
    }
}
