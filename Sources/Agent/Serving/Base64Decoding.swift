/// Standard base64 (RFC 4648, `+/`, padding optional) decoded into a buffer the caller provides:
/// a tensor's own storage, so a large base64 input is never held twice.
enum Base64Decoding {
    /// The number of bytes `text` decodes to, or nil when its length cannot be base64.
    static func decodedCount(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        var length = text.count
        var padding = 0
        while length > 0, padding < 2, text[length - 1] == UInt8(ascii: "=") {
            length -= 1
            padding += 1
        }
        guard length % 4 != 1, padding == 0 || (length + padding) % 4 == 0 else { return nil }
        return length / 4 * 3 + max(0, length % 4 - 1)
    }

    /// Decodes `text` into `destination`, which holds exactly `decodedCount(text)` bytes; false on
    /// a character outside the alphabet.
    static func decode(_ text: UnsafeBufferPointer<UInt8>, into destination: UnsafeMutableRawBufferPointer) -> Bool {
        var accumulator: UInt32 = 0
        var bits = 0
        var written = 0
        for byte in text {
            if byte == UInt8(ascii: "=") { break }
            let value = table[Int(byte)]
            guard value != invalid else { return false }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                guard written < destination.count else { return false }
                destination[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                written += 1
            }
        }
        return written == destination.count
    }

    private static let invalid: UInt8 = 0xFF

    /// Each byte's 6-bit value, `invalid` outside the alphabet.
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        return table
    }()
}
