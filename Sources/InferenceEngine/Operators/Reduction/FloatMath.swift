/// Float and Double, the types the softmax, log-sum-exp and normalization kernels compute in
/// natively; float16 and bfloat16 inputs go through float32 (`FloatWidening`).
protocol ExpLogElement: BinaryFloatingPoint {
    static func exponential(_ x: Self) -> Self
    static func naturalLog(_ x: Self) -> Self
}

extension Float: ExpLogElement {
    @inline(__always) static func exponential(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func naturalLog(_ x: Float) -> Float { logf(x) }
}

extension Double: ExpLogElement {
    @inline(__always) static func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) static func naturalLog(_ x: Double) -> Double { log(x) }
}

/// Runs float-only operators on 16-bit float inputs: widens them to float32, runs the float32
/// code, and narrows the results back, so each kernel only comes in Float and Double.
enum FloatWidening {
    static func isNarrow(_ type: ElementType) -> Bool { type == .float16 || type == .bfloat16 }

    /// `body` receives the inputs with every 16-bit float tensor widened to float32; the first
    /// `narrowing` outputs it returns (all when nil) are converted back to `type`.
    static func run(_ inputs: [Tensor?], narrowTo type: ElementType, narrowing: Int? = nil, context: ExecutionContext,
                    _ body: ([Tensor?]) throws -> [Tensor]) rethrows -> [Tensor] {
        let widened = inputs.map { tensor in
            tensor.map { isNarrow($0.elementType) ? TensorCast.convert($0, to: .float, context: context) : $0 }
        }
        let outputs = try body(widened)
        return outputs.enumerated().map { index, output in
            index < (narrowing ?? outputs.count) ? TensorCast.convert(output, to: type, context: context) : output
        }
    }
}

extension Tensor {
    /// This tensor's elements as `T` (converted when it holds another numeric type): for the small
    /// parameter tensors (scale, bias, mean) that the spec lets differ in type from the data.
    func converted<T: TensorElement>(to type: T.Type, context: ExecutionContext) -> Tensor {
        TensorCast.convert(self, to: T.elementType, context: context)
    }
}
