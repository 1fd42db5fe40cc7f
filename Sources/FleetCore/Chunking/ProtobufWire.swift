/// Just enough of the protobuf wire format to walk a large message without loading it:
/// read a field's key, then either a small scalar or the extent of a length-delimited payload.
///
/// Reads go through a small cache over `ReadOnlyFile`, so walking the structure of a multi-gigabyte
/// ONNX file touches only its headers, never its tensor bytes.
struct ProtobufCursor {
    enum WireType: UInt8 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    struct Field {
        let number: UInt64
        let wireType: WireType
        /// For length-delimited fields: where the payload starts and how long it is.
        let payloadOffset: UInt64
        let payloadLength: UInt64
        /// For varint fields: the value.
        let varint: UInt64
    }

    private let file: ReadOnlyFile
    private var cache: [UInt8] = []
    private var cacheStart: UInt64 = 0
    private static let cacheSize = 64 << 10

    init(file: ReadOnlyFile) {
        self.file = file
    }

    private func malformed(_ offset: UInt64, _ reason: String) -> FleetError {
        .malformedONNX(path: file.path, offset: offset, reason: reason)
    }

    private mutating func byte(at offset: UInt64) throws -> UInt8 {
        if offset < cacheStart || offset >= cacheStart + UInt64(cache.count) {
            guard offset < file.size else { throw malformed(offset, "unexpected end of file") }
            let count = Int(min(UInt64(Self.cacheSize), file.size - offset))
            cache = try file.read(count: count, at: offset)
            cacheStart = offset
        }
        return cache[Int(offset - cacheStart)]
    }

    private mutating func varint(at offset: inout UInt64, end: UInt64) throws -> UInt64 {
        var value: UInt64 = 0
        let start = offset
        for shift in stride(from: UInt64(0), to: 70, by: 7) {
            guard offset < end else { throw malformed(start, "varint runs past the end of its message") }
            let byte = try byte(at: offset)
            offset += 1
            guard shift < 64 else { throw malformed(start, "varint longer than 10 bytes") }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
        }
        throw malformed(start, "varint longer than 10 bytes")
    }

    /// Reads the field starting at `offset` (which must be before `end`) and advances past it.
    mutating func nextField(at offset: inout UInt64, end: UInt64) throws -> Field {
        let fieldStart = offset
        let key = try varint(at: &offset, end: end)
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw malformed(fieldStart, "unsupported wire type \(key & 7)")
        }
        let number = key >> 3
        guard number > 0 else { throw malformed(fieldStart, "field number 0") }
        switch wireType {
        case .varint:
            let value = try varint(at: &offset, end: end)
            return Field(number: number, wireType: wireType, payloadOffset: offset, payloadLength: 0, varint: value)
        case .fixed64, .fixed32:
            let width: UInt64 = wireType == .fixed64 ? 8 : 4
            guard end - offset >= width else { throw malformed(fieldStart, "fixed-width field runs past the end of its message") }
            let payload = offset
            offset += width
            return Field(number: number, wireType: wireType, payloadOffset: payload, payloadLength: width, varint: 0)
        case .lengthDelimited:
            let length = try varint(at: &offset, end: end)
            guard length <= end - offset else {
                throw malformed(fieldStart, "field \(number) declares \(length) bytes but only \(end - offset) remain")
            }
            let payload = offset
            offset += length
            return Field(number: number, wireType: wireType, payloadOffset: payload, payloadLength: length, varint: 0)
        }
    }

    /// Reads a short length-delimited payload (a tensor name) as text.
    mutating func string(_ field: Field, limit: Int = 4096) throws -> String {
        let count = Int(min(field.payloadLength, UInt64(limit)))
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        for index in 0..<UInt64(count) { bytes.append(try byte(at: field.payloadOffset + index)) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
