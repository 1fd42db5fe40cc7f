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
        let expected = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), expected == values.count else {
            throw EngineError.invalidTensor("\(values.count) values do not fill shape \(shape)")
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
        guard elementType != .string, shape.allSatisfy({ $0 >= 0 }) else {
            throw EngineError.invalidTensor("cannot build a \(elementType) tensor of shape \(shape)")
        }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count != Int.max, count * elementType.byteWidth == bytes.count else {
            throw EngineError.invalidTensor("\(bytes.count) bytes do not hold a \(elementType) tensor of shape \(shape)")
        }
        self.init(zeros: elementType, shape: shape)
        var offset = 0
        for byte in bytes {
            storage.bytes.storeBytes(of: elementType == .bool && byte > 1 ? 1 : byte, toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
    }

    /// The element bytes, little-endian.
    public var littleEndianBytes: [UInt8] { Array(UnsafeRawBufferPointer(start: storage.bytes, count: byteCount)) }

    /// The same values in another element type, converted as ONNX `Cast` does.
    public func converted(to type: ElementType) -> Tensor {
        type == .string ? self : TensorCast.convert(self, to: type)
    }
}
