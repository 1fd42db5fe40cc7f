/// Type-agnostic data movement: indexing operators copy elements without looking at them, so one
/// kernel per operation serves every element type by moving `byteWidth`-sized blocks.
enum ByteBlocks {
    /// Copies `byteCount` bytes. Single elements are the common case of the element-wise gathers
    /// and scatters, so the usual widths are a load and a store instead of a `memcpy` call.
    @inline(__always)
    static func copy(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, byteCount: Int) {
        switch byteCount {
        case 1: destination.storeBytes(of: source.load(as: UInt8.self), as: UInt8.self)
        case 2: destination.storeBytes(of: source.loadUnaligned(as: UInt16.self), as: UInt16.self)
        case 4: destination.storeBytes(of: source.loadUnaligned(as: UInt32.self), as: UInt32.self)
        case 8: destination.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
        default: destination.copyMemory(from: source, byteCount: byteCount)
        }
    }

    /// A tensor of `shape` whose block `j` is the `blockLength` elements of `data` starting at
    /// element `offsets[j]`. The offsets were bounds-checked by whoever computed them.
    static func gather(
        _ data: Tensor, offsets: [Int], blockLength: Int, shape: [Int],
        context: ExecutionContext
    ) throws -> Tensor {
        let output = try context.allocate(data.elementType, shape)
        let width = data.elementType.byteWidth
        let blockBytes = blockLength * width
        guard blockBytes > 0 else { return output }
        let source = UnsafeRawPointer(data.storage.bytes)
        var destination = output.storage.bytes
        for offset in offsets {
            copy(destination, source + offset &* width, byteCount: blockBytes)
            destination += blockBytes
        }
        return output
    }

    /// A fresh copy of `tensor`, for operators that update a copy of their input.
    static func duplicate(_ tensor: Tensor, context: ExecutionContext) throws -> Tensor {
        let output = try context.allocate(tensor.elementType, tensor.shape)
        if tensor.byteCount > 0 { output.storage.bytes.copyMemory(from: tensor.storage.bytes, byteCount: tensor.byteCount) }
        return output
    }

    /// Fails for element types without a fixed width (strings), which these kernels cannot move.
    static func requireFixedWidth(_ tensor: Tensor, op: String) throws {
        guard tensor.elementType.byteWidth > 0 else { throw OperatorFailure("\(op) does not support \(tensor.elementType) tensors") }
    }
}
