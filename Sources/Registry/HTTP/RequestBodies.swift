import FleetCore
import Foundation
import Hummingbird
import NIOCore

/// Reading request bodies with a size limit and JSON errors that name the field.
extension Request {
    /// The whole body, or 413 if it is larger than `limit`.
    mutating func bytes(upTo limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw RegistryError.tooLarge(limit)
        }
    }

    /// Decodes a JSON body as strictly as a manifest: malformed JSON (a duplicate key, a byte order mark,
    /// trailing bytes) is 400 naming the byte, a field outside `WireLimits` or of the wrong type is 400
    /// naming the field.
    mutating func decodeJSON<T: Decodable>(_ type: T.Type, upTo limit: Int = 1 << 20) async throws -> T {
        let bytes = try await bytes(upTo: limit)
        return try Self.decodeJSON(T.self, from: bytes, limit: limit)
    }

    /// Kept synchronous: do/catch error mapping inside async functions tripped a Swift 6.3 task
    /// allocator abort (see docs/decisions.md, "Swift 6.3 hazard"). Internal so large bodies can be
    /// decoded off the request handlers' threads (`OffloadedWork`).
    static func decodeJSON<T: Decodable>(_ type: T.Type, from bytes: [UInt8], limit: Int) throws -> T {
        // Foundation's decoder takes duplicate keys (last wins) and a leading BOM; the strict parser
        // refuses both, and its document is what the limits are checked on and what is decoded.
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, limits: .init(maximumBytes: limit))
        } catch {
            throw RegistryError.badRequest("malformed JSON: \(error.description)")
        }
        do {
            try WireLimits.check(document)
            return try JSONValueDecoder().decode(T.self, from: document)
        } catch let error as WireLimits.Violation {
            throw RegistryError.badRequest("invalid request body: \(error.description)")
        } catch let error as DecodingError {
            throw RegistryError.badRequest("invalid request body: \(ManifestCoding.describe(error))")
        }
    }
}

/// JSON responses with sorted keys, so output is stable for clients and tests.
struct JSONBody {
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        response(bytes: try StableJSON.encodeBytes(value), status: status)
    }

    static func response(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
