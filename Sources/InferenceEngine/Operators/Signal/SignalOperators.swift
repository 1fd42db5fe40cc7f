/// Signal processing: windows, mel filters, Fourier transforms.
enum SignalOperators {
    static let schemas: [OperatorSchema] =
        WindowFunction.schemas + [
            OperatorSchema("MelWeightMatrix", since: 17) { try MelWeightMatrixOperator(context: $0) },
            OperatorSchema("DFT", since: 17) { try DFTOperator(context: $0) },
            OperatorSchema("STFT", since: 17) { try STFTOperator(context: $0) }
        ]
}
