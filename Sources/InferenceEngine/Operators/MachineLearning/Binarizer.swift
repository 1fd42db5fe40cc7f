/// ai.onnx.ml Binarizer: 1 where the input exceeds the threshold, else 0, in the input's type.
enum Binarizer {
    static func run(_ x: Tensor, threshold: Double, context: ExecutionContext) throws -> Tensor {
        try x.require(ElementType.numeric, "Binarizer input")
        let flags = try context.allocate(.double, x.shape)
        let destination = flags.mutablePointer(as: Double.self)
        for (index, value) in x.doubleValues().enumerated() { destination[index] = value > threshold ? 1 : 0 }
        return TensorCast.convert(flags, to: x.elementType, context: context)
    }
}
