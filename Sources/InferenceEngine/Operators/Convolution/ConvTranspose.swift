/// ConvTranspose (the gradient of Conv with respect to its input): per image and group one GEMM
/// `W_g^T * X_g` produces every kernel tap's contribution, and col2im adds them onto the output.
struct ConvTransposeOperator: Operator {
    let attributes: WindowAttributes
    let group: Int
    let outputPadding: [Int]?
    let outputShape: [Int]?

    static let schema = OperatorSchema("ConvTranspose", since: 1) { context in
        let group = try context.attributes.int("group", default: 1)
        guard group >= 1 else { throw context.invalid("group must be positive, got \(group)") }
        let outputPadding = try context.attributes.ints("output_padding")
        let outputShape = try context.attributes.ints("output_shape")
        for values in [outputPadding, outputShape].compactMap({ $0 }) where !values.allSatisfy({ $0 >= 0 && $0 <= WindowAttributes.limit }) {
            throw context.invalid("output_padding and output_shape must hold values in 0...\(WindowAttributes.limit), got \(values)")
        }
        return ConvTransposeOperator(
            attributes: try WindowAttributes(context), group: group,
            outputPadding: outputPadding, outputShape: outputShape)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try inputs.required(0, "X")
        let w = try inputs.required(1, "W")
        let bias = inputs.optional(2)
        guard ElementType.floats.contains(x.elementType), w.elementType == x.elementType,
            bias.map({ $0.elementType == x.elementType }) ?? true
        else {
            throw OperatorFailure("ConvTranspose needs floating-point X, W and B of one type, got \(x.elementType), \(w.elementType)")
        }
        if x.elementType != .float {
            let widened = [x, w, bias].map { $0.map { TensorCast.convert($0, to: .float) } }
            return [TensorCast.convert(try run(widened, context: context)[0], to: x.elementType, context: context)]
        }
        guard x.rank >= 3, w.rank == x.rank else {
            throw OperatorFailure("X \(x.shape) and W \(w.shape) must have the same rank, at least 3")
        }
        guard x.shape[1] % group == 0, w.shape[0] == x.shape[1] else {
            throw OperatorFailure("X \(x.shape) and W \(w.shape) do not fit group=\(group): W must be [C, M/group, ...]")
        }
        let outputChannels = w.shape[1] * group
        if let bias, bias.rank != 1 || bias.count != outputChannels {
            throw OperatorFailure("bias of shape \(bias.shape) must be [\(outputChannels)]")
        }
        let window = try self.window(input: Array(x.shape[2...]), kernel: Array(w.shape[2...]))
        let output = try context.allocate(.float, [x.shape[0], outputChannels] + window.image)
        ConvTransposeOperator.transpose(
            window.promotedTo2D, batch: x.shape[0], channels: x.shape[1], group: group,
            outputChannels: outputChannels, x: x.pointer(as: Float.self),
            w: w.pointer(as: Float.self), bias: bias?.pointer(as: Float.self),
            y: output.mutablePointer(as: Float.self), context: context)
        return [output]
    }

    /// The window of the equivalent forward Conv: its image is this operator's output, its
    /// placements this operator's input pixels.
    func window(input: [Int], kernel: [Int]) throws -> SlidingWindow {
        let rank = input.count
        let (strides, dilations, explicitBegin, explicitEnd) = try attributes.resolved(rank: rank)
        var padBegin = explicitBegin
        var padEnd = explicitEnd
        if attributes.autoPad == .valid {
            padBegin = [Int](repeating: 0, count: rank)
            padEnd = padBegin
        }
        guard kernel.count == rank else { throw OperatorFailure("kernel \(kernel) does not fit \(rank) spatial axes") }
        let padding = outputPadding ?? [Int](repeating: 0, count: rank)
        guard padding.count == rank else { throw OperatorFailure("output_padding \(padding) does not fit \(rank) spatial axes") }
        var requested = outputShape
        if let shape = requested, shape.count == rank + 2 { requested = Array(shape[2...]) }
        if let shape = requested, shape.count != rank {
            throw OperatorFailure("output_shape \(shape) does not fit \(rank) spatial axes")
        }
        var output = [Int](repeating: 0, count: rank)
        for axis in 0..<rank {
            let full = strides[axis] * (input[axis] - 1) + padding[axis] + (kernel[axis] - 1) * dilations[axis] + 1
            let same = attributes.autoPad == .sameUpper || attributes.autoPad == .sameLower
            if requested != nil || same {
                // The output size is given (or implied by SAME); the padding is what reaches it.
                let size = requested?[axis] ?? input[axis] * strides[axis]
                let total = full - size
                let half = total >= 0 ? total / 2 : -((-total + 1) / 2)
                padBegin[axis] = attributes.autoPad == .sameUpper ? half : total - half
                padEnd[axis] = total - padBegin[axis]
                output[axis] = size
            } else {
                output[axis] = full - padBegin[axis] - padEnd[axis]
            }
            guard output[axis] > 0 else {
                throw OperatorFailure("ConvTranspose output size \(output[axis]) on spatial axis \(axis) is not positive")
            }
        }
        return SlidingWindow(
            image: output, kernel: kernel, strides: strides, dilations: dilations,
            padBegin: padBegin, padEnd: padEnd, positions: input)
    }

    /// The float32 kernel: X [N, C, in...], W [C, M/group, kernel...] into Y [N, M, out...].
    static func transpose(
        _ window: SlidingWindow, batch: Int, channels: Int, group: Int, outputChannels: Int,
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, context: ExecutionContext? = nil
    ) {
        let inputSize = window.positionCount
        let outputSize = window.imageSize
        let cg = channels / group
        let mg = outputChannels / group
        let depth = mg * window.kernelSize
        guard inputSize > 0, outputSize > 0 else { return }
        if let bias {
            for n in 0..<batch {
                for m in 0..<outputChannels {
                    (y + (n * outputChannels + m) * outputSize).update(repeating: bias[m], count: outputSize)
                }
            }
        }
        let chunk = ConvKernel.chunkSize(depth: depth, positions: inputSize)
        Scratch.with(Float.self, count: chunk * depth) { columns in
            for n in 0..<batch {
                for g in 0..<group {
                    let image = x + (n * channels + g * cg) * inputSize
                    let weights = w + g * cg * depth
                    let output = y + (n * outputChannels + g * mg) * outputSize
                    var start = 0
                    while start < inputSize {
                        let count = min(chunk, inputSize - start)
                        Sgemm.multiply(
                            m: depth, n: count, k: cg, a: FloatMatrix(weights, leading: depth, transposed: true),
                            b: FloatMatrix(image + start, leading: inputSize), c: columns, ldc: count,
                            context: context)
                        // Each output channel gathers only its own rows of columns: channels split over threads.
                        let perChannel = window.kernelSize * count
                        let scatter = { (channels: Range<Int>) in
                            Im2Col.scatterAdd(
                                window, channels: channels.count, columns: columns + channels.lowerBound * perChannel,
                                start: start, count: count, into: output + channels.lowerBound * outputSize)
                        }
                        if let context {
                            context.forEachRange(mg, minimumPerThread: max(1, ExecutionContext.elementsPerThread / max(perChannel, 1)), granularity: 1, scatter)
                        } else {
                            scatter(0..<mg)
                        }
                        start += count
                    }
                }
            }
        }
    }
}
