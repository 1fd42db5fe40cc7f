/// Fills a tensor of a known type and shape one value at a time, as a parser reads the values.
///
/// The agent's local API parses a JSON `"data"` array straight into the tensor the model runs on:
/// no `[Double]` of every value, no second tensor for the conversion, so a large request holds its
/// values once. Values convert from Double as ONNX `Cast` does (floats to integers truncate,
/// saturating, NaN → 0; anything to bool is `!= 0`).
public struct TensorBuilder {
    private let tensor: Tensor
    private let store: (UnsafeMutableRawPointer, Int, Double) -> Void
    /// Values appended so far.
    public private(set) var count = 0
    /// Values the shape holds.
    public let capacity: Int

    /// Allocates the tensor. The caller bounds the shape by what its input can hold before calling:
    /// up to `CheckedShape.maximumBytes` are allocated here.
    public init(elementType: ElementType, shape: [Int]) throws(EngineError) {
        guard elementType != .string else { throw EngineError.invalidTensor("string tensors cannot be built from numbers") }
        capacity = try Tensor.checkedSize(shape, elementType: elementType).count
        tensor = Tensor(zeros: elementType, shape: shape)
        do { store = try elementType.dispatch(StoreVisitor(), op: "TensorBuilder") } catch {
            throw EngineError.invalidTensor("\(elementType) tensors cannot be built from numbers")
        }
    }

    /// Appends `value`; false (and nothing stored) when the shape is already full.
    public mutating func append(_ value: Double) -> Bool {
        guard count < capacity else { return false }
        store(tensor.storage.bytes, count, value)
        count += 1
        return true
    }

    /// The tensor, once exactly `capacity` values were appended.
    public func finish() throws(EngineError) -> Tensor {
        guard count == capacity else {
            throw EngineError.invalidTensor("\(count) values do not fill shape \(tensor.shape), which holds \(capacity)")
        }
        return tensor
    }

    private struct StoreVisitor: ElementVisitor {
        func visit<T: TensorElement>(_ type: T.Type) -> (UnsafeMutableRawPointer, Int, Double) -> Void {
            { base, index, value in base.assumingMemoryBound(to: T.self)[index] = T(convertingDouble: value) }
        }
    }
}

extension Tensor {
    /// A tensor whose little-endian element bytes `write` produces in place (a base64 decoder), so
    /// the bytes are never held twice. `write` receives exactly the tensor's byte size and must fill
    /// it; the caller checks beforehand that its input decodes to that many bytes.
    public init(
        shape: [Int], elementType: ElementType, writingBytes write: (UnsafeMutableRawBufferPointer) throws(EngineError) -> Void
    ) throws(EngineError) {
        guard elementType != .string else { throw EngineError.invalidTensor("cannot build a string tensor from bytes") }
        let (count, byteCount) = try Self.checkedSize(shape, elementType: elementType)
        self.init(elementType: elementType, shape: shape, storage: TensorStorage(byteCount: byteCount, zeroed: false))
        try write(UnsafeMutableRawBufferPointer(start: storage.bytes, count: byteCount))
        if elementType == .bool { TensorDecoder.normalizeBooleans(storage.bytes, count: count) }
    }
}
