/// Softmax, LogSoftmax and Hardmax. Before opset 13 they flatten the input to 2-D at `axis`
/// (default 1) and normalize each row of the flattened trailing dimensions; from 13 they normalize
/// along the single axis `axis` (default -1).
struct SoftmaxOperator: Operator {
    let kind: SoftmaxKernels.Kind
    let name: String
    let axis: Int
    let flattensTrailingAxes: Bool

    init(_ kind: SoftmaxKernels.Kind, name: String, context: OperatorBuildContext) throws {
        self.kind = kind
        self.name = name
        flattensTrailingAxes = context.opset < 13
        axis = try context.attributes.int("axis", default: flattensTrailingAxes ? 1 : -1)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let input = try inputs.required(0, "input")
        let shape = input.shape
        let resolved = axis < 0 ? axis + shape.count : axis
        guard resolved >= 0, resolved < shape.count || (flattensTrailingAxes && resolved == shape.count) else {
            throw OperatorFailure("axis \(axis) is out of range for input shape \(shape)")
        }
        let layout =
            flattensTrailingAxes
            ? AxisLayout(outer: shape[..<resolved].reduce(1, *), length: shape[resolved...].reduce(1, *), inner: 1)
            : AxisLayout(shape: shape, axis: resolved)
        return [try SoftmaxKernels.run(kind, input, layout: layout, op: name, context: context)]
    }
}

extension ReductionOperators {
    static let softmaxSchemas: [OperatorSchema] = [
        OperatorSchema("Softmax") { try SoftmaxOperator(.softmax, name: "Softmax", context: $0) },
        OperatorSchema("LogSoftmax") { try SoftmaxOperator(.logSoftmax, name: "LogSoftmax", context: $0) },
        OperatorSchema("Hardmax") { try SoftmaxOperator(.hardmax, name: "Hardmax", context: $0) }
    ]
}
