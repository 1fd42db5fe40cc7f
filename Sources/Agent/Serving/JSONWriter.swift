/// JSON written byte by byte into one buffer: the local API's answers hold many numbers, and a generic
/// encoder's tree of them would cost several times the text.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    /// Bytes appended as they are (after the JSON, the binary tensor data extension's raw tensors).
    mutating func append(_ raw: [UInt8]) { bytes += raw }

    mutating func raw(_ text: String) { bytes += text.utf8 }

    /// The shortest text that reads back as `value` ("1" rather than "1.0"); false for NaN and infinities.
    mutating func number(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if value == value.rounded(), abs(value) < 1e15 {
            bytes += String(Int64(value)).utf8
        } else {
            bytes += value.description.utf8
        }
        return true
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes += [UInt8(ascii: "\\"), byte]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
