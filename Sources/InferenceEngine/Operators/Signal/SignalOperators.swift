/// Signal processing (windows, mel filters, Fourier transforms) and the odd operators that share
/// its plumbing: BitCast, Col2Im and Det.
enum SignalOperators {
    static let schemas: [OperatorSchema] = WindowFunction.schemas + [
        OperatorSchema("MelWeightMatrix", since: 17) { try MelWeightMatrixOperator(context: $0) },
        OperatorSchema("DFT", since: 17) { try DFTOperator(context: $0) },
        OperatorSchema("STFT", since: 17) { try STFTOperator(context: $0) },
        OperatorSchema("BitCast", since: 26) { try BitCastOperator(context: $0) },
        OperatorSchema("Col2Im", since: 18) { try Col2ImOperator(context: $0) },
        OperatorSchema("Det", since: 11) { _ in DeterminantOperator() },
    ]
}
