/// Element-type conversion, as ONNX `Cast` defines it: floats to integers truncate toward zero
/// (saturating, NaN → 0), integers convert exactly through Int64, anything to bool is `!= 0`.
enum TensorCast {
    static func convert(_ tensor: Tensor, to target: ElementType, context: ExecutionContext? = nil) -> Tensor {
        if tensor.elementType == target { return tensor }
        // Same element count as the input, so the size check cannot fail where the input exists.
        let output = context.flatMap { try? $0.allocate(target, tensor.shape) } ?? Tensor(zeros: target, shape: tensor.shape)
        // Both types are known not to be strings here; a string tensor cannot be built.
        _ = try? tensor.elementType.dispatch(SourceVisitor(input: tensor, output: output), op: "Cast")
        return output
    }

    private struct SourceVisitor: ElementVisitor {
        let input: Tensor
        let output: Tensor
        func visit<S: TensorElement>(_ source: S.Type) throws {
            try output.elementType.dispatch(TargetVisitor<S>(input: input, output: output), op: "Cast")
        }
    }

    private struct TargetVisitor<S: TensorElement>: ElementVisitor {
        let input: Tensor
        let output: Tensor
        func visit<D: TensorElement>(_ target: D.Type) throws {
            let source = input.pointer(as: S.self)
            let destination = output.mutablePointer(as: D.self)
            let integral = !S.elementType.isFloatingPoint && !D.elementType.isFloatingPoint
            for index in 0..<input.count {
                destination[index] =
                    integral
                    ? D(convertingInt64: source[index].int64Value)
                    : D(convertingDouble: source[index].doubleValue)
            }
        }
    }
}
