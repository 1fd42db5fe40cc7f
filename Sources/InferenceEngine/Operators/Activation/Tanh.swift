import CKernels

/// Tanh. Float32 runs a vectorized rational approximation in C (Eigen's, max relative error
/// 3.4e-7 over all floats, measured against float64 tanh), split over the run's threads: an order
/// of magnitude faster than calling `tanhf` per element. Other types use the C library.
enum Tanh {
    static let schema = OperatorSchema("Tanh", since: 6) { _ in
        ClosureOperator { inputs, context in
            [
                try UnaryMath.floating(
                    inputs.required(0), op: "Tanh", context: context, { tanhf($0) }, { tanh($0) },
                    kernel: { ck_tanh($0, $1, $2) })
            ]
        }
    }
}
