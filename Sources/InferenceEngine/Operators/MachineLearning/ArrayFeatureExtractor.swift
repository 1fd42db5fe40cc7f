/// ai.onnx.ml ArrayFeatureExtractor: picks elements along the last axis by index. As in
/// onnxruntime, a 1-D input gives a [1, k] output, and the indices are flattened whatever their shape.
enum ArrayFeatureExtractor {
    static func run(_ x: Tensor, _ indices: Tensor, context: ExecutionContext) throws -> Tensor {
        guard x.rank >= 1 else { throw OperatorFailure("ArrayFeatureExtractor needs an input of rank 1 or more, got a scalar") }
        let picks = try indices.intValues("ArrayFeatureExtractor indices")
        let stride = x.shape[x.rank - 1]
        for index in picks where index < 0 || index >= stride {
            throw OperatorFailure("ArrayFeatureExtractor index \(index) is out of range for last axis \(stride)")
        }
        let shape = x.rank == 1 ? [1, picks.count] : Array(x.shape.dropLast()) + [picks.count]
        let output = try context.allocate(x.elementType, shape)
        let width = x.elementType.byteWidth
        guard width > 0 else { throw OperatorFailure("ArrayFeatureExtractor does not support \(x.elementType) tensors") }
        let rows = stride == 0 ? 0 : x.count / stride
        let source = x.storage.bytes
        let destination = output.storage.bytes
        for row in 0..<rows {
            for (position, index) in picks.enumerated() {
                (destination + (row * picks.count + position) * width)
                    .copyMemory(from: source + (row * stride + index) * width, byteCount: width)
            }
        }
        return output
    }
}
