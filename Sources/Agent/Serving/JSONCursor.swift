/// A forward-only reader of JSON bytes, for the local API's request bodies.
///
/// It reads values where they are, so the caller can put them straight where they belong (numbers
/// into a tensor, base64 text decoded into tensor bytes) instead of first building a tree of the
/// whole document: a 57 MB body of numbers used to become well over a gigabyte that way. Strict
/// JSON (RFC 8259): no comments, no trailing commas, no leading zeros, nesting at most 64 deep.
struct JSONCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var offset = 0
    static let maximumDepth = 64

    /// What is wrong with the body and where.
    struct Malformed: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "the body is not valid JSON at byte \(offset): \(reason)" }
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Bytes not yet read.
    var remaining: Int { bytes.count - offset }

    func fail(_ reason: String) -> Malformed { Malformed(offset: offset, reason: reason) }

    /// The next byte that is not whitespace, without consuming it.
    mutating func peek() -> UInt8? {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return bytes[offset]
            }
        }
        return nil
    }

    /// Consumes `byte` (after whitespace) if it is next.
    mutating func skip(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        offset += 1
        return true
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(Malformed) {
        guard skip(byte) else { throw fail("expected \(what)") }
    }

    /// Reads an object, calling `member` with each key; `member` must read the value.
    mutating func object(_ member: (inout JSONCursor, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"), "an object")
        if skip(UInt8(ascii: "}")) { return }
        repeat {
            let key = try string()
            try expect(UInt8(ascii: ":"), "':' after the key \"\(key)\"")
            try member(&self, key)
        } while skip(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"), "',' or '}' in an object")
    }

    /// Reads an array, calling `element` for each element; `element` must read it.
    mutating func array(_ element: (inout JSONCursor) throws -> Void) throws {
        try expect(UInt8(ascii: "["), "an array")
        if skip(UInt8(ascii: "]")) { return }
        repeat { try element(&self) } while skip(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"), "',' or ']' in an array")
    }

    /// A string, escapes resolved.
    mutating func string() throws(Malformed) -> String {
        let span = try stringSpan()
        var text: [UInt8] = []
        text.reserveCapacity(span.count)
        var index = span.lowerBound
        while index < span.upperBound {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                text.append(byte)
                continue
            }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "u"):
                let hex = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<(index + 4)]), as: UTF8.self)
                index += 4
                let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) ?? "\u{FFFD}"
                text += Array(String(Character(scalar)).utf8)
            default: text.append(escape)  // " \ /
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes between a string's quotes, unprocessed (checked: escapes well-formed, no control
    /// characters). The cursor moves past the closing quote.
    mutating func stringSpan() throws(Malformed) -> Range<Int> {
        try expect(UInt8(ascii: "\""), "a string")
        let start = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                offset += 1
                return start..<(offset - 1)
            }
            guard byte >= 0x20 else { throw fail("control character in a string") }
            if byte == UInt8(ascii: "\\") {
                guard offset + 1 < bytes.count else { break }
                let escape = bytes[offset + 1]
                if escape == UInt8(ascii: "u") {
                    guard offset + 5 < bytes.count,
                        (2...5).allSatisfy({ Self.hexValue(bytes[offset + $0]) != nil })
                    else { throw fail("malformed \\u escape") }
                    offset += 6
                    continue
                }
                guard Array("\"\\/bfnrt".utf8).contains(escape) else { throw fail("unknown escape \\\(Character(Unicode.Scalar(escape)))") }
                offset += 2
                continue
            }
            offset += 1
        }
        throw fail("unterminated string")
    }

    /// A number (JSON grammar), as a Double.
    mutating func number() throws(Malformed) -> Double {
        let span = try numberSpan()
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[span]), as: UTF8.self)
        guard let value = Double(text) else { throw Malformed(offset: span.lowerBound, reason: "number \(text) is out of range") }
        return value
    }

    /// A whole number that fits in Int exactly (shape dimensions), refused otherwise.
    mutating func integer(_ what: String) throws(Malformed) -> Int {
        let span = try numberSpan()
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[span]), as: UTF8.self)
        guard let value = Int(text) else {
            throw Malformed(offset: span.lowerBound, reason: "\(what) must be a whole number from \(Int.min) to \(Int.max), got \(text.prefix(40))")
        }
        return value
    }

    private mutating func numberSpan() throws(Malformed) -> Range<Int> {
        _ = peek()
        let start = offset
        func digits() -> Int {
            let first = offset
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
            return offset - first
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        let integral = offset
        guard digits() > 0 else { throw fail("expected a number") }
        guard bytes[integral] != UInt8(ascii: "0") || offset - integral == 1 else { throw Malformed(offset: integral, reason: "leading zero in a number") }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard digits() > 0 else { throw fail("expected digits after the decimal point") }
        }
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard digits() > 0 else { throw fail("expected digits in the exponent") }
        }
        return start..<offset
    }

    /// Reads and discards any value (members the API does not know).
    mutating func skipValue(depth: Int = 0) throws {
        guard depth < Self.maximumDepth else { throw fail("nested deeper than \(Self.maximumDepth) levels") }
        switch peek() {
        case UInt8(ascii: "{"): try object { cursor, _ in try cursor.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): try array { cursor in try cursor.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): _ = try stringSpan()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try numberSpan()
        }
    }

    /// `true` or `false`.
    mutating func bool() throws(Malformed) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default: throw fail("expected true or false")
        }
    }

    private mutating func literal(_ word: String) throws(Malformed) {
        let expected = Array(word.utf8)
        guard remaining >= expected.count, bytes[offset..<(offset + expected.count)].elementsEqual(expected) else { throw fail("expected \(word)") }
        offset += expected.count
    }

    /// Ensures only whitespace follows the document.
    mutating func expectEnd() throws(Malformed) {
        guard peek() == nil else { throw fail("unexpected data after the document") }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
