/// Gather: whole slices of `data` along `axis`, picked by `indices`. Real models use it for
/// embedding lookups and on shape vectors, so the kernel copies each picked slice as one block
/// (a row of the table for axis 0) and never allocates beyond the output.
enum Gather {
    static let schema = OperatorSchema("Gather", since: 1) { context in
        let axis = try context.attributes.int("axis", default: 0)
        return ClosureOperator { inputs, run in
            [try gather(inputs.required(0, "data"), inputs.required(1, "indices"), axis: axis, context: run)]
        }
    }

    static func gather(_ data: Tensor, _ indices: Tensor, axis: Int, context: ExecutionContext) throws -> Tensor {
        try ByteBlocks.requireFixedWidth(data, op: "Gather")
        let axis = try IndexCheck.axis(axis, of: data, op: "Gather")
        let shape = data.shape
        let outputShape = Array(shape[..<axis]) + indices.shape + Array(shape[(axis + 1)...])
        let output = try context.allocate(data.elementType, outputShape)
        let layout = Layout(
            outer: shape.product(0..<axis), dimension: shape[axis],
            blockBytes: shape.product((axis + 1)..<shape.count) * data.elementType.byteWidth, axis: axis)
        let source = UnsafeRawPointer(data.storage.bytes)
        let destination = output.storage.bytes
        switch indices.elementType {
        case .int64: try copyBlocks(indices.pointer(as: Int64.self), indices.count, layout, source, destination)
        case .int32: try copyBlocks(indices.pointer(as: Int32.self), indices.count, layout, source, destination)
        default: throw OperatorFailure("Gather indices must be int32 or int64, got \(indices.elementType)")
        }
        return output
    }

    /// `data` viewed as [outer, dimension, block]: the gathered axis with everything before it
    /// flattened into `outer` and everything after it into one contiguous block of bytes.
    struct Layout {
        let outer: Int, dimension: Int, blockBytes: Int, axis: Int
    }

    /// Checks every index once, then copies `outer × count` blocks.
    private static func copyBlocks<I: FixedWidthInteger>(
        _ indices: UnsafePointer<I>, _ count: Int, _ layout: Layout,
        _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer
    ) throws {
        let dimension = layout.dimension
        for j in 0..<count {
            _ = try IndexCheck.resolve(Int(truncatingIfNeeded: indices[j]), dimension: dimension, op: "Gather", axis: layout.axis)
        }
        let blockBytes = layout.blockBytes
        guard blockBytes > 0, count > 0 else { return }
        let tableBytes = dimension &* blockBytes
        var target = destination
        for o in 0..<layout.outer {
            let table = source + o &* tableBytes
            for j in 0..<count {
                var index = Int(truncatingIfNeeded: indices[j])
                if index < 0 { index &+= dimension }
                ByteBlocks.copy(target, table + index &* blockBytes, byteCount: blockBytes)
                target += blockBytes
            }
        }
    }
}
