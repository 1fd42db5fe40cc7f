/// A bounds-checked reader of the protobuf wire format over the model's file buffer.
///
/// Offsets are absolute within the file, so every error can say at which byte the file went wrong,
/// and length-delimited fields come back as ranges instead of copies (weights are never copied
/// just to be parsed).
struct ProtoReader {
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    let buffer: UnsafeRawBufferPointer
    private(set) var position: Int
    let end: Int

    init(buffer: UnsafeRawBufferPointer, range: Range<Int>) {
        self.buffer = buffer
        position = range.lowerBound
        end = range.upperBound
    }

    var isAtEnd: Bool { position >= end }

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func nextField() throws(EngineError) -> (number: Int, wire: WireType)? {
        guard position < end else { return nil }
        let start = position
        let key = try varint()
        guard let wire = WireType(rawValue: key & 7) else {
            throw EngineError.malformedModel("unknown wire type \(key & 7)", offset: start)
        }
        let number = key >> 3
        guard number > 0, number < (1 << 29) else {
            throw EngineError.malformedModel("invalid field number \(number)", offset: start)
        }
        return (Int(number), wire)
    }

    mutating func varint() throws(EngineError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while true {
            guard position < end else { throw EngineError.malformedModel("truncated varint", offset: start) }
            let byte = buffer[position]
            position += 1
            if shift == 63 && byte > 1 { throw EngineError.malformedModel("varint overflows 64 bits", offset: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw EngineError.malformedModel("varint longer than 10 bytes", offset: start) }
        }
    }

    mutating func int64() throws(EngineError) -> Int64 { Int64(bitPattern: try varint()) }

    /// A non-negative count or size that must fit in Int.
    mutating func count() throws(EngineError) -> Int {
        let start = position
        let value = try varint()
        guard value <= UInt64(Int32.max) * 1024 else { throw EngineError.malformedModel("length \(value) is too large", offset: start) }
        return Int(value)
    }

    mutating func fixed32() throws(EngineError) -> UInt32 {
        guard end - position >= 4 else { throw EngineError.malformedModel("truncated fixed32", offset: position) }
        let value = buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: value)
    }

    mutating func fixed64() throws(EngineError) -> UInt64 {
        guard end - position >= 8 else { throw EngineError.malformedModel("truncated fixed64", offset: position) }
        let value = buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: value)
    }

    /// The byte range of a length-delimited field's payload.
    mutating func lengthDelimited() throws(EngineError) -> Range<Int> {
        let start = position
        let length = try count()
        guard length <= end - position else {
            throw EngineError.malformedModel("field of \(length) bytes runs past the end of its message", offset: start)
        }
        let range = position..<(position + length)
        position += length
        return range
    }

    mutating func string() throws(EngineError) -> String {
        let range = try lengthDelimited()
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    mutating func bytes() throws(EngineError) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: buffer[try lengthDelimited()]))
    }

    /// A reader for an embedded message.
    mutating func message() throws(EngineError) -> ProtoReader {
        ProtoReader(buffer: buffer, range: try lengthDelimited())
    }

    mutating func skip(_ wire: WireType) throws(EngineError) {
        switch wire {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimited()
        case .startGroup, .endGroup:
            throw EngineError.malformedModel("protobuf groups are not used by ONNX", offset: position)
        }
    }

    /// Reads a repeated varint field that may be packed or not.
    mutating func repeatedVarints(_ wire: WireType, into values: inout [Int64]) throws(EngineError) {
        if wire == .lengthDelimited {
            var packed = try message()
            while !packed.isAtEnd { values.append(try packed.int64()) }
        } else if wire == .varint {
            values.append(try int64())
        } else {
            throw EngineError.malformedModel("expected varints, found wire type \(wire.rawValue)", offset: position)
        }
    }

    /// Calls `body` with each little-endian value (4 or 8 bytes wide, widened to UInt64) of the
    /// packed run in `range`.
    func forEachFixed(in range: Range<Int>, width: Int, _ body: (UInt64) -> Void) throws(EngineError) {
        guard range.count % width == 0 else {
            throw EngineError.malformedModel("packed \(width)-byte values do not fill \(range.count) bytes", offset: range.lowerBound)
        }
        for offset in stride(from: range.lowerBound, to: range.upperBound, by: width) {
            body(
                width == 4
                    ? UInt64(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                    : UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        }
    }

    /// Reads a repeated float field that may be packed or not.
    mutating func repeatedFloats(_ wire: WireType, into values: inout [Float]) throws(EngineError) {
        if wire == .lengthDelimited {
            try forEachFixed(in: try lengthDelimited(), width: 4) { values.append(Float(bitPattern: UInt32(truncatingIfNeeded: $0))) }
        } else if wire == .fixed32 {
            values.append(Float(bitPattern: try fixed32()))
        } else {
            throw EngineError.malformedModel("expected floats, found wire type \(wire.rawValue)", offset: position)
        }
    }

    /// Reads a repeated fixed64 field (double or uint64) that may be packed or not.
    mutating func repeatedFixed64(_ wire: WireType, into values: inout [UInt64]) throws(EngineError) {
        if wire == .lengthDelimited {
            try forEachFixed(in: try lengthDelimited(), width: 8) { values.append($0) }
        } else if wire == .fixed64 {
            values.append(try fixed64())
        } else if wire == .varint {
            values.append(try varint())
        } else {
            throw EngineError.malformedModel("expected 64-bit values, found wire type \(wire.rawValue)", offset: position)
        }
    }
}
