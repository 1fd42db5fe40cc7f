import FleetCore
import FleetHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The agent's local HTTP API (loopback by default): what is live, and
/// inference. A small HTTP/1.1 server over POSIX sockets, one thread per connection, one request per
/// connection: the agent binary carries no SwiftNIO.
public final class LocalAPIServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var body: [UInt8]
    }

    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var contentType = "application/json"

        public init(status: Int, body: [UInt8], contentType: String = "application/json") {
            self.status = status
            self.body = body
            self.contentType = contentType
        }

        static func error(_ status: Int, _ message: String) -> Response {
            struct Body: Encodable {
                struct Detail: Encodable { var message: String }
                var error: Detail
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let body = (try? encoder.encode(Body(error: .init(message: message)))).map { [UInt8]($0) } ?? Array(#"{"error":{}}"#.utf8)
            return Response(status: status, body: body)
        }
    }

    public typealias Handler = @Sendable (Request) -> Response

    public let port: Int
    private let listener: Int32
    private let handler: Handler
    static let maximumHeadBytes = 16 << 10
    static let maximumBodyBytes = 64 << 20

    /// Binds `host:port` (port 0 picks a free one) and starts accepting on a thread of its own.
    public init(host: String, port: Int, handler: @escaping Handler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FleetError.io(path: "\(host):\(port)", operation: "create a socket", errno: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw FleetError.io(path: host, operation: "parse the listen address (IPv4 expected)", errno: EINVAL)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw FleetError.io(path: "\(host):\(port)", operation: "listen", errno: code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        listener = fd
        BlockingThread.detach { [self] in acceptLoop() }
    }

    /// Stops accepting; requests already being served finish.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return  // the listener was closed
            }
            BlockingThread.detach { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let response: Response
        switch Self.readRequest(connection) {
        case .success(let request): response = handler(request)
        case .failure(let problem): response = .error(problem.status, problem.message)
        }
        let head =
            "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\nContent-Type: \(response.contentType)\r\n"
            + "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        Self.writeAll(connection, Array(head.utf8) + response.body)
    }

    struct Problem: Error {
        var status: Int
        var message: String
    }

    static func readRequest(_ connection: Int32) -> Result<Request, Problem> {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var headEnd: Int?
        while headEnd == nil {
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else { return .failure(Problem(status: 400, message: "the request ended before its headers")) }
            buffer += chunk[..<count]
            headEnd = find([13, 10, 13, 10], in: buffer)
            if headEnd == nil, buffer.count > maximumHeadBytes {
                return .failure(Problem(status: 431, message: "request headers over \(maximumHeadBytes) bytes"))
            }
        }
        guard let end = headEnd else { return .failure(Problem(status: 400, message: "malformed request")) }
        let lines = String(decoding: buffer[..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return .failure(Problem(status: 400, message: "malformed request line")) }
        var length = 0
        for line in lines.dropFirst() {
            let field = line.split(separator: ":", maxSplits: 1)
            if field.count == 2, field[0].lowercased() == "content-length" {
                guard let value = Int(field[1].trimmingWhitespace), value >= 0 else { return .failure(Problem(status: 400, message: "bad Content-Length")) }
                length = value
            }
        }
        guard length <= maximumBodyBytes else { return .failure(Problem(status: 413, message: "request body over \(maximumBodyBytes) bytes")) }
        var body = Array(buffer[(end + 4)...])
        while body.count < length {
            let count = read(connection, &chunk, min(chunk.count, length - body.count))
            guard count > 0 else { return .failure(Problem(status: 400, message: "the request body ended after \(body.count) of \(length) bytes")) }
            body += chunk[..<count]
        }
        return .success(Request(method: String(parts[0]), path: String(parts[1]), body: Array(body.prefix(length))))
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }

    private static func writeAll(_ connection: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { send(connection, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if written <= 0 {
                if written < 0, errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 413: return "Content Too Large"
        case 431: return "Request Header Fields Too Large"
        case 501: return "Not Implemented"
        default: return "Status"
        }
    }
}
