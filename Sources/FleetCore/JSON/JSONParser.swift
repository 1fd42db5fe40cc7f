/// A strict RFC 8259 JSON parser that says where a document is broken.
///
/// Written here rather than borrowed because signatures are checked over a canonical re-encoding of
/// what was received: the parser must reject anything ambiguous (duplicate keys, invalid UTF-8,
/// lone surrogates, numbers out of range, trailing bytes) and must behave the same on every platform.
public struct JSONParser {
    public struct Limits: Sendable {
        public var maximumBytes: Int
        public var maximumDepth: Int

        public init(maximumBytes: Int, maximumDepth: Int = 64) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
        }
    }

    /// Where and why parsing stopped.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        /// The byte where parsing stopped; nil when the document was refused as a whole.
        public var offset: Int?
        public var reason: String
        public var description: String { offset.map { "\(reason) at byte \($0)" } ?? reason }
    }

    private let bytes: [UInt8]
    private let limits: Limits
    private var index = 0

    public static func parse(_ bytes: [UInt8], limits: Limits) throws(Failure) -> JSONValue {
        guard bytes.count <= limits.maximumBytes else {
            throw Failure(offset: nil, reason: "document is \(bytes.count) bytes, over the limit of \(limits.maximumBytes)")
        }
        var parser = JSONParser(bytes: bytes, limits: limits)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected data after the document") }
        return value
    }

    private init(bytes: [UInt8], limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    private func failure(_ reason: String) -> Failure {
        Failure(offset: index, reason: index >= bytes.count ? "document ends early (truncated?): \(reason)" : reason)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ literal: String, _ value: JSONValue) throws(Failure) -> JSONValue {
        for expected in literal.utf8 {
            guard current == expected else { throw failure("invalid literal, expected '\(literal)'") }
            index += 1
        }
        return value
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard depth < limits.maximumDepth else { throw failure("nesting deeper than \(limits.maximumDepth) levels") }
        guard let byte = current else { throw failure("expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected character '\(Self.printable(byte))'")
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a quoted member name") }
            let keyOffset = index
            let key = try string()
            guard members[key] == nil else { throw Failure(offset: keyOffset, reason: "duplicate member \"\(key)\"") }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':' after member \"\(key)\"") }
            index += 1
            skipWhitespace()
            members[key] = try value(depth: depth + 1)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default: throw failure("expected ',' or '}' in object")
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: throw failure("expected ',' or ']' in array")
            }
        }
    }

    private mutating func number() throws(Failure) -> JSONValue {
        let start = index
        var isInteger = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else { throw failure("expected a digit") }
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = current, Self.isDigit(next) { throw failure("leading zeros are not allowed") }
        } else {
            while let digit = current, Self.isDigit(digit) { index += 1 }
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let digit = current, Self.isDigit(digit) else { throw failure("expected a digit after '.'") }
            while let digit = current, Self.isDigit(digit) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, Self.isDigit(digit) else { throw failure("expected a digit in the exponent") }
            while let digit = current, Self.isDigit(digit) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger {
            guard let value = Int64(text) else { throw Failure(offset: start, reason: "integer \(text) is out of the 64-bit range") }
            return .integer(value)
        }
        guard let value = Double(text), value.isFinite else { throw Failure(offset: start, reason: "number \(text) is out of range") }
        return .double(value)
    }

    private mutating func string() throws(Failure) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                index += 1
                scalars.append(try escape())
            case 0..<0x20:
                throw failure("control character 0x\(Hex.pair(byte)) must be escaped in a string")
            default:
                scalars.append(try utf8Scalar())
            }
        }
    }

    private mutating func escape() throws(Failure) -> Unicode.Scalar {
        guard let byte = current else { throw failure("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try hexQuad()
            if (0xD800..<0xDC00).contains(high) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("lone high surrogate \\u\(String(high, radix: 16))")
                }
                index += 2
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("high surrogate not followed by a low surrogate") }
                let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                guard let scalar = Unicode.Scalar(combined) else { throw failure("invalid surrogate pair") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else { throw failure("lone low surrogate \\u\(String(high, radix: 16))") }
            return scalar
        default:
            index -= 1
            throw failure("invalid escape '\\\(Self.printable(byte))'")
        }
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw failure("truncated \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Decodes one UTF-8 scalar, rejecting overlong forms, surrogates and truncated sequences.
    private mutating func utf8Scalar() throws(Failure) -> Unicode.Scalar {
        let lead = bytes[index]
        let (length, minimum, initial): (Int, UInt32, UInt32)
        switch lead {
        case 0x00..<0x80:
            index += 1
            return Unicode.Scalar(lead)
        case 0xC2..<0xE0: (length, minimum, initial) = (2, 0x80, UInt32(lead & 0x1F))
        case 0xE0..<0xF0: (length, minimum, initial) = (3, 0x800, UInt32(lead & 0x0F))
        case 0xF0..<0xF5: (length, minimum, initial) = (4, 0x10000, UInt32(lead & 0x07))
        default: throw failure("invalid UTF-8 byte 0x\(Hex.pair(lead))")
        }
        guard index + length <= bytes.count else { throw failure("truncated UTF-8 sequence") }
        var value = initial
        for offset in 1..<length {
            let continuation = bytes[index + offset]
            guard continuation & 0xC0 == 0x80 else { throw failure("invalid UTF-8 continuation byte") }
            value = value << 6 | UInt32(continuation & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { throw failure("invalid UTF-8 sequence") }
        index += length
        return scalar
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func printable(_ byte: UInt8) -> String {
        (0x20..<0x7f).contains(byte) ? String(UnicodeScalar(byte)) : "0x" + Hex.pair(byte)
    }
}
