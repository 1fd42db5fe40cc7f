/// The shared half of ScatterElements and ScatterND: a copy of `data` with blocks of `updates`
/// written, or combined by `reduction`, at offsets checked beforehand. Updates apply in index
/// order, so with duplicate indices and no reduction the last one wins (as onnxruntime does).
enum ScatterUpdate {
    enum Reduction: String, Sendable {
        case none, add, mul, max, min

        /// The `reduction` attribute, refused when the model's opset does not define it yet.
        static func parse(_ context: OperatorBuildContext) throws -> Reduction {
            let name = try context.attributes.string("reduction", default: "none")
            guard let reduction = Reduction(rawValue: name) else {
                throw context.invalid("reduction must be none, add, mul, max or min, got '\(name)'")
            }
            let since =
                switch reduction {
                case .none: 0
                case .add, .mul: 16
                case .max, .min: 18
                }
            guard context.opset >= since else { throw context.invalid("reduction '\(name)' needs opset \(since), model imports \(context.opset)") }
            return reduction
        }
    }

    static func apply(
        data: Tensor, updates: Tensor, offsets: [Int], blockLength: Int, reduction: Reduction,
        op: String, context: ExecutionContext
    ) throws -> Tensor {
        try ByteBlocks.requireFixedWidth(data, op: op)
        guard updates.elementType == data.elementType else {
            throw OperatorFailure("\(op): updates are \(updates.elementType) but data is \(data.elementType)")
        }
        guard updates.count == offsets.count * blockLength else {
            throw OperatorFailure("\(op): updates of shape \(updates.shape) do not match \(offsets.count) blocks of \(blockLength) elements")
        }
        guard reduction != .none else { return try place(data, updates, offsets, blockLength, context) }
        let output = ComparableView.widened(try ByteBlocks.duplicate(data, context: context), context: context)
        let widenedUpdates = ComparableView.widened(updates, context: context)
        try output.elementType.dispatchNumeric(
            Combine(output: output, updates: widenedUpdates, offsets: offsets, blockLength: blockLength, reduction: reduction), op: op)
        return ComparableView.restored(output, to: data.elementType, context: context)
    }

    private static func place(
        _ data: Tensor, _ updates: Tensor, _ offsets: [Int], _ blockLength: Int,
        _ context: ExecutionContext
    ) throws -> Tensor {
        let output = try ByteBlocks.duplicate(data, context: context)
        let width = data.elementType.byteWidth
        let blockBytes = blockLength * width
        guard blockBytes > 0 else { return output }
        var source = UnsafeRawPointer(updates.storage.bytes)
        for offset in offsets {
            ByteBlocks.copy(output.storage.bytes + offset &* width, source, byteCount: blockBytes)
            source += blockBytes
        }
        return output
    }

    /// Combines in place: `output` is a fresh copy this operator owns.
    private struct Combine: NumericVisitor {
        let output: Tensor, updates: Tensor
        let offsets: [Int], blockLength: Int
        let reduction: Reduction

        func visit<T: NumericElement>(_ type: T.Type) throws {
            switch reduction {
            case .add, .none: run(T.self, T.plus)  // `none` is placed by `place` and never gets here
            case .mul: run(T.self, T.times)
            case .max: run(T.self) { a, b in a.isNaNValue ? a : (b.isNaNValue || b > a ? b : a) }
            case .min: run(T.self) { a, b in a.isNaNValue ? a : (b.isNaNValue || b < a ? b : a) }
            }
        }

        private func run<T: NumericElement>(_ type: T.Type, _ combine: (T, T) -> T) {
            let target = output.mutablePointer(as: T.self)
            let source = updates.pointer(as: T.self)
            var u = 0
            for offset in offsets {
                for e in 0..<blockLength {
                    target[offset &+ e] = combine(target[offset &+ e], source[u])
                    u &+= 1
                }
            }
        }
    }
}
