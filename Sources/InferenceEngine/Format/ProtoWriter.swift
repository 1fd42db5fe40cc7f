/// Writes the protobuf wire format: the counterpart of `ProtoReader`, for the files the engine
/// makes (a quantized model, a tensor file). Fields are appended in the order they are written.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func key(_ field: Int, _ wire: ProtoReader.WireType) {
        varint(UInt64(field) << 3 | wire.rawValue)
    }

    /// An integer field (int32, int64, enum, bool); negative values take ten bytes, as protobuf says.
    mutating func int(_ field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func bytes(_ field: Int, _ payload: some Collection<UInt8>) {
        key(field, .lengthDelimited)
        varint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    mutating func string(_ field: Int, _ text: String) { bytes(field, Array(text.utf8)) }

    /// An embedded message, written by `body` into a writer of its own.
    mutating func message(_ field: Int, _ body: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }

    /// Bytes that already are complete fields (keys included), copied as they are.
    mutating func raw(_ fields: some Collection<UInt8>) { bytes.append(contentsOf: fields) }
}
