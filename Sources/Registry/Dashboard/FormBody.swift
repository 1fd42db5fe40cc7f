import Hummingbird

/// An `application/x-www-form-urlencoded` body, as the dashboard's forms send it.
struct FormBody: Sendable {
    /// Forms carry a token and a few short fields; anything larger is not one of ours.
    static let maximumBytes = 8 * 1024

    private(set) var fields: [String: String] = [:]

    init(parsing text: String) throws {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            // The first of repeated fields wins: a form of ours never repeats one.
            if fields[name] == nil { fields[name] = try Self.decode(parts.count > 1 ? parts[1] : "") }
        }
    }

    /// Reads the request's body (at most `maximumBytes`), refusing other content types with 415.
    static func read(_ request: inout Request) async throws -> FormBody {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw RegistryError(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                message: "dashboard forms are application/x-www-form-urlencoded, got '\(type.isEmpty ? "none" : type)'")
        }
        let bytes = try await request.bytes(upTo: maximumBytes)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw RegistryError.badRequest("the form is not UTF-8") }
        return try FormBody(parsing: text)
    }

    subscript(name: String) -> String? { fields[name] }

    /// `+` as a space, `%XX` as its byte; the result must be UTF-8.
    private static func decode(_ text: Substring) throws -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw RegistryError.badRequest("the form has a malformed %-escape")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw RegistryError.badRequest("the form is not UTF-8") }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
