import FleetCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The request line and headers of one local-API request, read from its connection, with the bytes
/// of the body that arrived with them. The body is read separately (`readBody`), once the server
/// knows it has room for it.
struct RequestHead {
    var method: String
    var path: String
    var contentLength: Int
    /// Header fields by lower-cased name (a repeated field keeps its last value).
    var headers: [String: String]
    /// HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`.
    var keepAlive: Bool
    /// `Expect: 100-continue`: the client waits for a 100 before it sends the body.
    var expectsContinue: Bool
    /// Body bytes read together with the head (and, past the body, the start of a pipelined next request).
    var early: ArraySlice<UInt8>

    /// What arrived after this request's body: the start of the next request on the connection.
    var leftover: [UInt8] { Array(early.dropFirst(contentLength)) }

    /// Why a request could not be read: the status and message to answer with.
    struct Problem: Error {
        var status: Int
        var message: String
    }

    static let maximumBytes = 16 << 10

    /// The next request's head; nil when the connection closed before sending one (a client done with
    /// a keep-alive connection). `carried`: bytes of it read with the previous request.
    static func receive(_ connection: Int32, carried: [UInt8] = []) -> Result<RequestHead?, Problem> {
        var buffer = carried
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var headEnd = find([13, 10, 13, 10], in: buffer, from: 0)
        while headEnd == nil {
            let count = read(connection, &chunk, chunk.count)
            if count <= 0, buffer.isEmpty { return .success(nil) }
            guard count > 0 else { return .failure(Problem(status: 400, message: "the request ended before its headers")) }
            let searchFrom = max(0, buffer.count - 3)
            buffer += chunk[..<count]
            headEnd = find([13, 10, 13, 10], in: buffer, from: searchFrom)
            if headEnd == nil, buffer.count > maximumBytes {
                return .failure(Problem(status: 431, message: "request headers over \(maximumBytes) bytes"))
            }
        }
        guard let end = headEnd else { return .failure(Problem(status: 400, message: "malformed request")) }
        let lines = String(decoding: buffer[..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return .failure(Problem(status: 400, message: "malformed request line")) }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let field = line.split(separator: ":", maxSplits: 1)
            if field.count == 2 { headers[field[0].lowercased()] = field[1].trimmingWhitespace }
        }
        var length = 0
        if let text = headers["content-length"] {
            guard let value = Int(text), value >= 0 else { return .failure(Problem(status: 400, message: "bad Content-Length")) }
            length = value
        }
        if headers["transfer-encoding"] != nil {
            return .failure(Problem(status: 501, message: "Transfer-Encoding is not supported by the local API; send the body with Content-Length"))
        }
        let connectionOption = headers["connection"]?.lowercased() ?? ""
        let keepAlive = parts[2] == "HTTP/1.1" ? !connectionOption.contains("close") : connectionOption.contains("keep-alive")
        return .success(
            RequestHead(
                method: String(parts[0]), path: String(parts[1]), contentLength: length, headers: headers, keepAlive: keepAlive,
                expectsContinue: headers["expect"]?.lowercased() == "100-continue", early: buffer[(end + 4)...]))
    }

    /// The body, read straight into one buffer of exactly `contentLength` bytes (no growing copies).
    func readBody(_ connection: Int32) -> Result<[UInt8], Problem> {
        let length = contentLength
        var failure: Problem?
        let body = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            let first = min(early.count, length)
            if first > 0 {
                early.prefix(first).withUnsafeBufferPointer { source in
                    if let base = source.baseAddress { buffer.baseAddress?.initialize(from: base, count: first) }
                }
            }
            initialized = first
            while initialized < length, let base = buffer.baseAddress {
                let count = read(connection, base + initialized, length - initialized)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    failure = Problem(status: 400, message: "the request body ended after \(initialized) of \(length) bytes")
                    return
                }
                initialized += count
            }
        }
        if let failure { return .failure(failure) }
        return .success(body)
    }

    /// Reads the body and throws it away (at most `contentLength` bytes, and only while the client
    /// keeps sending), so an answer sent without reading it is not lost to a connection reset.
    func discardBody(_ connection: Int32) {
        var left = contentLength - early.count
        var scratch = [UInt8](repeating: 0, count: 64 << 10)
        while left > 0 {
            let count = read(connection, &scratch, min(scratch.count, left))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            left -= count
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}
