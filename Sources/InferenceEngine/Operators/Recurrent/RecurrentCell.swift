/// What differs between RNN, GRU and LSTM: the gate count and one time step of one batch row.
/// The shared driver (`RecurrentLayerOperator`) does everything else: layouts, directions, sequence
/// lengths, the input projection for all time steps at once, and the outputs.
protocol RecurrentCell: Sendable {
    static var opName: String { get }
    /// Gate blocks stacked in W, R and each half of B.
    static var gateCount: Int { get }
    /// Activation functions per direction (f for RNN; f, g for GRU; f, g, h for LSTM).
    static var defaultActivations: [RecurrentActivation] { get }
    /// Whether the cell has a cell state (LSTM's `initial_c`, `Y_c`).
    static var carriesCellState: Bool { get }
    /// Whether the recurrent bias of `gate` may be added once into the input projection, instead
    /// of inside the step (GRU's hidden gate with linear_before_reset needs it inside).
    func foldsRecurrentBias(gate: Int) -> Bool
    /// Advances one batch row by one time step. `gates` holds the input projection plus folded
    /// biases for this row and time ([gateCount·hidden]) and may be overwritten; `h` and `c` are
    /// the row's states, updated in place; `scratch` holds at least 2·hidden floats.
    func step(
        _ gates: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, weights: RecurrentWeights)
}

/// One direction's weights and settings as the step needs them.
struct RecurrentWeights {
    let hidden: Int
    /// R for this direction: [gateCount·hidden, hidden], row-major.
    let recurrence: UnsafePointer<Float>
    /// Rb for this direction ([gateCount·hidden]), nil when B is absent.
    let recurrentBias: UnsafePointer<Float>?
    /// P for this direction (LSTM peepholes i, o, f; [3·hidden]), nil when absent.
    let peepholes: UnsafePointer<Float>?
    let activations: [RecurrentActivation]
    let clip: Float?

    /// `out[0..<rows] += R[firstRow..<firstRow+rows] · state`.
    @inline(__always)
    func addRecurrence(rows firstRow: Int, count rows: Int, state: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        DotProducts.addProducts(
            m: 1, n: rows, k: hidden, state, lda: hidden,
            recurrence + firstRow * hidden, ldb: hidden, out, ldc: rows)
    }
}
