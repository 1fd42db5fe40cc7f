/// Signal processing (windows, mel filters, Fourier transforms) and Col2Im, which folds
/// sliding-window columns back into an image.
enum SignalOperators {
    static let schemas: [OperatorSchema] = WindowFunction.schemas + [
        OperatorSchema("MelWeightMatrix", since: 17) { try MelWeightMatrixOperator(context: $0) },
        OperatorSchema("DFT", since: 17) { try DFTOperator(context: $0) },
        OperatorSchema("STFT", since: 17) { try STFTOperator(context: $0) },
        OperatorSchema("Col2Im", since: 18) { try Col2ImOperator(context: $0) },
    ]
}
