/// An n-dimensional array with an element type and contiguous, row-major storage.
///
/// Tensors are values: operators never modify an input, they produce new tensors. Copies share
/// storage, which is never written after the tensor is handed out.
public struct Tensor: Sendable {
    public let elementType: ElementType
    public let shape: [Int]
    let storage: TensorStorage

    /// Number of elements (1 for a scalar, 0 when any dimension is 0).
    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }

    init(elementType: ElementType, shape: [Int], storage: TensorStorage) {
        self.elementType = elementType
        self.shape = shape
        self.storage = storage
    }

    /// A zero-filled tensor.
    public init(zeros elementType: ElementType, shape: [Int]) {
        self.init(
            elementType: elementType, shape: shape,
            storage: TensorStorage(byteCount: shape.reduce(1, *) * elementType.byteWidth))
    }

    /// A tensor holding `values` in row-major order; `values.count` must match the shape.
    public init<T: TensorElement>(shape: [Int], values: [T]) throws(EngineError) {
        let expected = try Self.checkedSize(shape, elementType: T.elementType).count
        guard expected == values.count else {
            throw EngineError.invalidTensor("\(values.count) values do not fill shape \(shape), which holds \(expected)")
        }
        self.init(zeros: T.elementType, shape: shape)
        let destination = storage.bytes.bindMemory(to: T.self, capacity: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { destination.update(from: base, count: values.count) }
        }
    }

    /// A scalar (rank 0) tensor.
    public init<T: TensorElement>(scalar: T) {
        self.init(zeros: T.elementType, shape: [])
        storage.bytes.bindMemory(to: T.self, capacity: 1).pointee = scalar
    }

    /// The elements in row-major order; the type must match `elementType`.
    public func values<T: TensorElement>(as type: T.Type = T.self) throws(EngineError) -> [T] {
        guard T.elementType == elementType else {
            throw EngineError.typeMismatch("asked for \(T.elementType) values of a \(elementType) tensor")
        }
        return Array(UnsafeBufferPointer(start: storage.bytes.assumingMemoryBound(to: T.self), count: count))
    }

    /// The elements converted to Float, whatever the element type: for printing and comparing.
    public func floatValues() -> [Float] {
        let n = count
        return withElements { (buffer: UnsafeBufferPointer<Double>) in buffer.map { Float($0) } } ?? [Float](repeating: 0, count: n)
    }

    /// The elements converted to Double, whatever the element type.
    public func doubleValues() -> [Double] {
        withElements { (buffer: UnsafeBufferPointer<Double>) in Array(buffer) } ?? []
    }

    /// Calls `body` with the elements converted to Double.
    private func withElements<R>(_ body: (UnsafeBufferPointer<Double>) -> R) -> R? {
        guard elementType != .string else { return nil }
        let converted = TensorCast.convert(self, to: .double)
        return withExtendedLifetime(converted) {
            body(UnsafeBufferPointer(start: converted.storage.bytes.assumingMemoryBound(to: Double.self), count: count))
        }
    }

    /// The same elements viewed with another shape of the same element count; shares storage.
    func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(elementType: elementType, shape: newShape, storage: storage)
    }

    /// Typed read access. The caller has checked `elementType`.
    func pointer<T>(as type: T.Type) -> UnsafePointer<T> {
        UnsafePointer(storage.bytes.assumingMemoryBound(to: T.self))
    }

    /// Typed write access, only for the operator that just created this tensor.
    func mutablePointer<T>(as type: T.Type) -> UnsafeMutablePointer<T> {
        storage.bytes.assumingMemoryBound(to: T.self)
    }

    var byteCount: Int { count * elementType.byteWidth }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = floatValues().prefix(6).map { String($0) }.joined(separator: ", ")
        return "Tensor<\(elementType)>\(shape) [\(head)\(count > 6 ? ", …" : "")]"
    }
}

extension Tensor {
    /// A tensor from little-endian element bytes (what base64 tensors in JSON and raw files carry).
    public init(shape: [Int], elementType: ElementType, littleEndianBytes bytes: some Collection<UInt8>) throws(EngineError) {
        guard elementType != .string else { throw EngineError.invalidTensor("cannot build a string tensor from bytes") }
        let (count, byteCount) = try Self.checkedSize(shape, elementType: elementType)
        guard byteCount == bytes.count else {
            throw EngineError.invalidTensor("\(bytes.count) bytes do not hold a \(elementType) tensor of shape \(shape), which needs \(byteCount)")
        }
        self.init(zeros: elementType, shape: shape)
        let destination = UnsafeMutableRawBufferPointer(start: storage.bytes, count: byteCount)
        if bytes.withContiguousStorageIfAvailable({ destination.copyMemory(from: UnsafeRawBufferPointer($0)) }) == nil {
            _ = destination.copyBytes(from: bytes)
        }
        if elementType == .bool { TensorDecoder.normalizeBooleans(storage.bytes, count: count) }
    }

    /// The element count and byte size of a tensor of `shape`, refused (not trapped) when the shape
    /// came from outside and cannot exist: see `CheckedShape`.
    static func checkedSize(_ shape: [Int], elementType: ElementType) throws(EngineError) -> (count: Int, bytes: Int) {
        switch CheckedShape.size(shape, elementWidth: elementType.byteWidth) {
        case .success(let size): return size
        case .failure(let refusal): throw EngineError.invalidTensor("a \(elementType) tensor of \(refusal)")
        }
    }

    /// The element bytes, little-endian.
    public var littleEndianBytes: [UInt8] { Array(UnsafeRawBufferPointer(start: storage.bytes, count: byteCount)) }

    /// The same values in another element type, converted as ONNX `Cast` does.
    public func converted(to type: ElementType) -> Tensor {
        type == .string ? self : TensorCast.convert(self, to: type)
    }
}
