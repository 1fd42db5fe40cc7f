/// Reductions over axes (Reduce*) and the axis-wise normalizers built on the same row layout
/// (Softmax, LogSoftmax, Hardmax).
enum ReductionOperators {
    static let schemas: [OperatorSchema] = reduceSchemas + softmaxSchemas
}
