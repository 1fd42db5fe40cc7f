import Crypto

/// The SHA-256 of some bytes: the name of a chunk, a file or a manifest.
///
/// Printed and parsed as `sha256:<64 lowercase hex digits>`. Parsing is strict (no uppercase,
/// no whitespace, no other algorithms) because digests are used as URL path components and
/// database keys: two spellings of one digest would be two different chunks.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let prefix = "sha256:"
    public static let byteCount = 32

    /// Inline storage: a digest never allocates, so sets of thousands of chunk names stay cheap.
    public let bytes: SIMD32<UInt8>

    public init(bytes: SIMD32<UInt8>) {
        self.bytes = bytes
    }

    /// Builds a digest from exactly 32 raw bytes (e.g. the output of a hash function).
    public init?<C: Collection>(rawBytes: C) where C.Element == UInt8 {
        guard rawBytes.count == Self.byteCount else { return nil }
        var value = SIMD32<UInt8>()
        for (index, byte) in rawBytes.enumerated() { value[index] = byte }
        self.bytes = value
    }

    /// Parses `sha256:<hex>`; anything else throws `FleetError.malformedDigest` saying why.
    public init(parsing text: String) throws {
        guard text.hasPrefix(Self.prefix) else {
            throw FleetError.malformedDigest(text, reason: "must start with '\(Self.prefix)'")
        }
        let hex = text.utf8.dropFirst(Self.prefix.utf8.count)
        guard hex.count == Self.byteCount * 2 else {
            throw FleetError.malformedDigest(text, reason: "expected 64 hex digits, found \(hex.count) characters")
        }
        var value = SIMD32<UInt8>()
        var iterator = hex.makeIterator()
        for index in 0..<Self.byteCount {
            guard let high = iterator.next().flatMap(Hex.value), let low = iterator.next().flatMap(Hex.value) else {
                throw FleetError.malformedDigest(text, reason: "only lowercase hex digits 0-9 a-f are allowed")
            }
            value[index] = high << 4 | low
        }
        self.bytes = value
    }

    /// The digest of some bytes in memory.
    public static func of(_ buffer: UnsafeRawBufferPointer) -> Digest {
        Digest(SHA256.hash(data: buffer))
    }

    public static func of<C: Collection>(_ bytes: C) -> Digest where C.Element == UInt8 {
        var hasher = DigestHasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    init(_ hash: SHA256Digest) {
        var value = SIMD32<UInt8>()
        hash.withUnsafeBytes { raw in
            for index in 0..<Self.byteCount { value[index] = raw[index] }
        }
        self.bytes = value
    }

    /// The 64 lowercase hex digits, without the `sha256:` prefix (used in file and URL paths).
    public var hex: String {
        String(unsafeUninitializedCapacity: Self.byteCount * 2) { out in
            for index in 0..<Self.byteCount {
                out[2 * index] = Hex.digit(bytes[index] >> 4)
                out[2 * index + 1] = Hex.digit(bytes[index] & 0x0f)
            }
            return Self.byteCount * 2
        }
    }

    /// Hashes all 32 bytes as four words (hashing 32 single bytes showed up in the registry's request
    /// profile). Not a prefix: the digests of real content are uniformly random, but the digests in a
    /// request are whatever the client sent, and 40,000 that shared their first 8 bytes made every set
    /// and dictionary of them quadratic (a missing-chunks query took 27 s instead of 0.2 s).
    public func hash(into hasher: inout Hasher) {
        let words = unsafeBitCast(bytes, to: (UInt64, UInt64, UInt64, UInt64).self)
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public static func == (lhs: Digest, rhs: Digest) -> Bool { lhs.bytes == rhs.bytes }

    public var description: String { Self.prefix + hex }

    public static func < (lhs: Digest, rhs: Digest) -> Bool {
        for index in 0..<byteCount where lhs.bytes[index] != rhs.bytes[index] {
            return lhs.bytes[index] < rhs.bytes[index]
        }
        return false
    }
}

extension Digest: ParsedStringCodable {}

/// Incremental SHA-256 for data that arrives in pieces (streamed files, downloads).
public struct DigestHasher: Sendable {
    private var state = SHA256()

    public init() {}

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        state.update(bufferPointer: buffer)
    }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ state.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            return done
        }
        let copy = Array(bytes)
        copy.withUnsafeBytes { state.update(bufferPointer: $0) }
    }

    public func finalize() -> Digest {
        Digest(state.finalize())
    }
}

/// Lowercase hex, shared by digests, signatures, key ids and the registry's tokens.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func value(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    static func digit(_ nibble: UInt8) -> UInt8 { digits[Int(nibble)] }

    static func pair(_ byte: UInt8) -> String {
        String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]], as: UTF8.self)
    }

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict lowercase decoding; nil on odd length or any other character.
    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
