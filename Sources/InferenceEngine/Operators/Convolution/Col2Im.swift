/// Col2Im: the adjoint of im2col. Input [N, C * prod(block_shape), L] holds, for each of the L
/// block placements over an image of `image_shape`, the C x block values; each value is added
/// onto the pixel it would have been read from, giving [N, C, image_shape...]. Runs through the
/// convolution family's float32 scatter; other float types are widened.
struct Col2ImOperator: Operator {
    let window: WindowAttributes

    init(context: OperatorBuildContext) throws {
        window = try WindowAttributes(context)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let op = "Col2Im"
        let input = try inputs.required(0, "input")
        let image = try inputs.required(1, "image_shape").intValues("\(op) image_shape")
        let block = try inputs.required(2, "block_shape").intValues("\(op) block_shape")
        guard !image.isEmpty, image.count == block.count,
            image.allSatisfy({ $0 >= 1 && $0 <= WindowAttributes.limit }),
            block.allSatisfy({ $0 >= 1 && $0 <= WindowAttributes.limit })
        else {
            throw OperatorFailure("\(op) image_shape \(image) and block_shape \(block) must be positive and of one rank")
        }
        // Bounded products first: the window's sizes multiply dimensions without overflow checks.
        _ = try context.checkedByteCount(.float, image)
        _ = try context.checkedByteCount(.float, block)
        let sliding = try window.window(input: image, kernel: block)
        _ = try context.checkedByteCount(.float, sliding.positions)
        let kernelSize = sliding.kernelSize
        guard input.rank == 3, input.shape[1] % kernelSize == 0, input.shape[2] == sliding.positionCount else {
            throw OperatorFailure("\(op) input \(input.shape) must be [N, C * \(kernelSize), \(sliding.positionCount)] for block \(block) over image \(image)")
        }
        guard input.elementType.isFloatingPoint else {
            throw OperatorFailure("\(op) supports floating-point inputs only, got \(input.elementType)")
        }
        let batch = input.shape[0]
        let channels = input.shape[1] / kernelSize
        let columns = TensorCast.convert(input, to: .float, context: context)
        let output = try context.allocate(.float, [batch, channels] + image)
        let source = columns.pointer(as: Float.self)
        let destination = output.mutablePointer(as: Float.self)
        let inPlane = input.shape[1] * input.shape[2]
        let outPlane = channels * sliding.imageSize
        for n in 0..<batch {
            Im2Col.scatterAdd(
                sliding, channels: channels, columns: source + n * inPlane, start: 0,
                count: sliding.positionCount, into: destination + n * outPlane)
        }
        return [TensorCast.convert(output, to: input.elementType, context: context)]
    }
}
