#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a parsed `TensorProto` into a `Tensor`, checking that the payload matches the declared
/// type and shape. Raw data is borrowed from the file buffer; typed fields are converted.
struct TensorDecoder {
    let file: ModelBytes
    /// Directory of the model file, for external data; nil for in-memory models.
    let directory: String?

    func tensor(from proto: TensorProto, context: @autoclosure () -> String) throws(EngineError) -> Tensor {
        let what = context()
        let type = try ElementType.from(onnx: proto.dataType, context: what)
        guard type != .string else { throw EngineError.unsupportedType(code: proto.dataType, context: what) }
        guard !proto.hasSegment else { throw EngineError.unsupportedFeature("segmented tensor", node: what) }
        var shape: [Int] = []
        for dim in proto.dims {
            guard dim >= 0, dim <= Int64(Int32.max) else { throw EngineError.invalidModel("\(what) has dimension \(dim)") }
            shape.append(Int(dim))
        }
        let (count, byteCount): (Int, Int)
        switch CheckedShape.size(shape, elementWidth: type.byteWidth) {
        case .success(let size): (count, byteCount) = size
        case .failure(let refusal): throw EngineError.invalidModel("\(what): \(refusal)")
        }

        if proto.dataLocation == 1 {
            return try external(proto, type: type, shape: shape, byteCount: byteCount, context: what)
        }
        if let payload = proto.payload, payload.holds(type) {
            let raw = payload.range
            guard raw.count == byteCount else {
                let field = payload.field == .raw ? "raw data" : (type == .float ? "float_data" : "double_data")
                throw EngineError.invalidModel("\(what) holds \(raw.count) bytes of \(field); \(type) \(shape) needs \(byteCount)")
            }
            let tensor: Tensor
            if let pointer = file.aligned(raw, alignment: max(type.byteWidth, 1), floor: proto.messageStart) {
                tensor = Tensor(
                    elementType: type, shape: shape,
                    storage: TensorStorage(borrowing: pointer, byteCount: byteCount, owner: file))
            } else {
                tensor = Tensor(zeros: type, shape: shape)
                tensor.storage.bytes.copyMemory(from: file.base + raw.lowerBound, byteCount: byteCount)
            }
            if type == .bool { Self.normalizeBooleans(tensor.storage.bytes, count: count) }
            return tensor
        }
        return try typedFields(proto, type: type, shape: shape, count: count, context: what)
    }

    /// Values stored in the typed repeated fields (`float_data`, `int32_data`, ...).
    private func typedFields(
        _ proto: TensorProto, type: ElementType, shape: [Int], count: Int,
        context what: String
    ) throws(EngineError) -> Tensor {
        // Checked before the tensor is allocated: the shape is the file's word, and a few bytes of
        // header can claim billions of elements (the fuzzer's 16.8 GB allocation) while the field
        // holding the values is empty.
        let (field, provided) = try Self.valueField(of: proto, type: type, context: what)
        guard provided == count else {
            throw EngineError.invalidModel("\(what) has \(provided) values in \(field); \(type) \(shape) needs \(count)")
        }
        let tensor = Tensor(zeros: type, shape: shape)
        func fill<S, T>(_ source: [S], as: T.Type, _ convert: (S) -> T) {
            let destination = tensor.mutablePointer(as: T.self)
            for (index, value) in source.enumerated() { destination[index] = convert(value) }
        }
        switch type {
        case .float: fill(proto.floatData, as: Float.self) { $0 }
        case .double: fill(proto.doubleData, as: Double.self) { Double(bitPattern: $0) }
        case .int64: fill(proto.int64Data, as: Int64.self) { $0 }
        case .int32: fill(proto.int32Data, as: Int32.self) { Int32(truncatingIfNeeded: $0) }
        case .int16: fill(proto.int32Data, as: Int16.self) { Int16(truncatingIfNeeded: $0) }
        case .int8: fill(proto.int32Data, as: Int8.self) { Int8(truncatingIfNeeded: $0) }
        case .uint16, .float16, .bfloat16:
            fill(proto.int32Data, as: UInt16.self) { UInt16(truncatingIfNeeded: $0) }
        case .uint8: fill(proto.int32Data, as: UInt8.self) { UInt8(truncatingIfNeeded: $0) }
        case .bool: fill(proto.int32Data, as: Bool.self) { $0 != 0 }
        case .uint32: fill(proto.uint64Data, as: UInt32.self) { UInt32(truncatingIfNeeded: $0) }
        case .uint64: fill(proto.uint64Data, as: UInt64.self) { UInt64(bitPattern: $0) }
        case .string: throw EngineError.unsupportedType(code: proto.dataType, context: what)
        }
        return tensor
    }

    /// The repeated field that holds `type`'s values and how many it holds.
    private static func valueField(of proto: TensorProto, type: ElementType, context what: String) throws(EngineError) -> (String, Int) {
        switch type {
        case .float: return ("float_data", proto.floatData.count)
        case .double: return ("double_data", proto.doubleData.count)
        case .int64: return ("int64_data", proto.int64Data.count)
        case .uint32, .uint64: return ("uint64_data", proto.uint64Data.count)
        case .int32, .int16, .int8, .uint16, .float16, .bfloat16, .uint8, .bool: return ("int32_data", proto.int32Data.count)
        case .string: throw EngineError.unsupportedType(code: proto.dataType, context: what)
        }
    }

    /// Weights kept beside the model (`data_location: EXTERNAL`), read from a file in the model's
    /// directory. Paths that leave that directory are refused.
    private func external(
        _ proto: TensorProto, type: ElementType, shape: [Int], byteCount: Int,
        context what: String
    ) throws(EngineError) -> Tensor {
        guard let directory else { throw EngineError.invalidModel("\(what) uses external data but the model has no directory") }
        guard let location = proto.externalData["location"], !location.isEmpty,
            !location.hasPrefix("/"), !location.split(separator: "/").contains("..")
        else {
            throw EngineError.invalidModel("\(what) has an external data location outside the model's directory")
        }
        let offset = Int(proto.externalData["offset"] ?? "0") ?? -1
        let length = proto.externalData["length"].map { Int($0) ?? -1 } ?? byteCount
        guard offset >= 0, length == byteCount, !offset.addingReportingOverflow(byteCount).overflow else {
            throw EngineError.invalidModel("\(what) has external data of \(length) bytes at offset \(offset); \(type) \(shape) needs \(byteCount)")
        }
        let path = directory + "/" + location
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EngineError.io("cannot open external data \(path) for \(what): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let tensor = Tensor(zeros: type, shape: shape)
        var filled = 0
        while filled < byteCount {
            let n = pread(fd, tensor.storage.bytes + filled, byteCount - filled, off_t(offset + filled))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw EngineError.io("external data \(path) for \(what) ends after \(filled) of \(byteCount) bytes") }
            filled += n
        }
        return tensor
    }

    /// Swift's Bool must be 0 or 1; a file may hold any non-zero byte for true.
    static func normalizeBooleans(_ bytes: UnsafeMutableRawPointer, count: Int) {
        let values = bytes.assumingMemoryBound(to: UInt8.self)
        for index in 0..<count where values[index] > 1 { values[index] = 1 }
    }
}
