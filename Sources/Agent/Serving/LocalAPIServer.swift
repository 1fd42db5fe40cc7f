import FleetCore
import FleetHTTP
import InferenceEngine

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
/// inference. A small HTTP/1.1 server over POSIX sockets, one request per connection: the agent
/// binary carries no SwiftNIO.
///
/// A fixed pool of worker threads serves connections from a bounded queue (`Limits`): a thousand
/// clients at once cost the same threads as ten, and connections past the queue get 503 with
/// `Retry-After` at once rather than a thread each.
public final class LocalAPIServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        private let bodyBox: BodyBox

        init(method: String, path: String, body: consuming [UInt8]) {
            self.method = method
            self.path = path
            bodyBox = BodyBox(body)
        }

        /// The body, still held by the request.
        public var body: [UInt8] { bodyBox.bytes() }

        /// The body, no longer held by the request: a handler that decodes a large body takes it,
        /// so its bytes are freed once decoded instead of living until the answer is sent (a 57 MB
        /// JSON body beside the tensors and the run made it a third of the request's peak memory).
        public func takeBody() -> [UInt8] { bodyBox.take() }
    }

    /// Holds a request's body until a handler takes it (one worker thread uses a request).
    private final class BodyBox: @unchecked Sendable {
        private var contents: [UInt8]
        init(_ contents: consuming [UInt8]) { self.contents = contents }
        func bytes() -> [UInt8] { contents }
        func take() -> [UInt8] {
            var taken: [UInt8] = []
            swap(&taken, &contents)
            return taken
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var contentType = "application/json"
        /// Sent as `Retry-After` (with 503: the agent is busy, not broken).
        public var retryAfterSeconds: Int?

        public init(status: Int, body: [UInt8], contentType: String = "application/json", retryAfterSeconds: Int? = nil) {
            self.status = status
            self.body = body
            self.contentType = contentType
            self.retryAfterSeconds = retryAfterSeconds
        }

        static func error(_ status: Int, _ message: String, retryAfterSeconds: Int? = nil) -> Response {
            struct Body: Encodable {
                struct Detail: Encodable { var message: String }
                var error: Detail
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let body = (try? encoder.encode(Body(error: .init(message: message)))).map { [UInt8]($0) } ?? Array(#"{"error":{}}"#.utf8)
            return Response(status: status, body: body, retryAfterSeconds: retryAfterSeconds)
        }

        /// The status line and headers as sent (the body follows them).
        var head: [UInt8] {
            let retry = retryAfterSeconds.map { "Retry-After: \($0)\r\n" } ?? ""
            let text =
                "HTTP/1.1 \(status) \(LocalAPIServer.reason(status))\r\nContent-Type: \(contentType)\r\n"
                + "Content-Length: \(body.count)\r\n\(retry)Connection: close\r\n\r\n"
            return Array(text.utf8)
        }
    }

    /// How much the server takes on at once.
    public struct Limits: Sendable {
        /// Threads serving connections (reading, handling, answering).
        public var workers = 16
        /// Accepted connections waiting for a worker; beyond it, 503 with Retry-After.
        public var queuedConnections = 1024
        /// The kernel's accept backlog (capped by net.core.somaxconn).
        public var backlog = 1024
        /// Bytes of large (over 1 MiB) request bodies in progress at once; past it, 503 with Retry-After.
        public var largeBodyBudgetBytes = 128 << 20

        public init() {}
    }

    public typealias Handler = @Sendable (Request) -> Response

    public let port: Int
    private let listener: Int32
    private let handler: Handler
    private let queue: ConnectionQueue
    private let budget: BodyBudget
    static let maximumBodyBytes = 64 << 20

    /// Binds `host:port` (port 0 picks a free one), starts the workers and accepts on a thread of its own.
    public init(host: String, port: Int, limits: Limits = Limits(), handler: @escaping Handler) throws {
        self.handler = handler
        queue = ConnectionQueue(capacity: limits.queuedConnections)
        budget = BodyBudget(totalBytes: limits.largeBodyBudgetBytes)
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
        guard bound == 0, listen(fd, Int32(clamping: max(limits.backlog, 1))) == 0 else {
            let code = errno
            close(fd)
            throw FleetError.io(path: "\(host):\(port)", operation: "listen", errno: code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        listener = fd
        for _ in 0..<max(limits.workers, 1) {
            BlockingThread.detach { [queue, self] in
                while let connection = queue.take() { serve(connection) }
            }
        }
        BlockingThread.detach { [self] in acceptLoop() }
    }

    /// Stops accepting; requests already being served or queued finish, then the workers end.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        queue.close()
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE {
                    if errno == EMFILE || errno == ENFILE { usleep(10_000) }  // out of descriptors: let workers close some
                    continue
                }
                return  // the listener was closed
            }
            if !queue.offer(connection) { Self.turnAway(connection) }
        }
    }

    /// Answers a connection the queue has no room for without waiting on it (the accept loop must
    /// not block on a slow client). What the client already sent is read first, so that closing does
    /// not reset the connection before the client reads the 503.
    private static func turnAway(_ connection: Int32) {
        var scratch = [UInt8](repeating: 0, count: 16 << 10)
        while recv(connection, &scratch, scratch.count, Int32(MSG_DONTWAIT)) > 0 {}
        let answer = Response.error(503, "the local API is busy (all workers and the connection queue are full); retry shortly", retryAfterSeconds: 1)
        _ = (answer.head + answer.body).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        shutdown(connection, Int32(SHUT_WR))
        close(connection)
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var reserved = 0
        do {
            let response = respond(to: connection, reserved: &reserved)
            // One send for small answers (two small segments can wait on Nagle and delayed ACKs); a
            // large body is not copied behind its head.
            if response.body.count < 64 << 10 {
                Self.writeAll(connection, response.head + response.body)
            } else {
                Self.writeAll(connection, response.head)
                Self.writeAll(connection, response.body)
            }
        }
        // The request and its answer are gone now. A large one freed a lot in blocks glibc keeps:
        // hand them back, so the agent returns to its idle size.
        budget.release(reserved)
        if reserved > BodyBudget.largeBodyBytes { HeapMemory.releaseFreePages() }
    }

    /// Reads one request and handles it, within the body budget: a large body that does not fit is
    /// read and dropped (so the client sees the answer, not a reset) and answered 503. `reserved`
    /// is what the caller gives back to the budget once the answer is sent.
    private func respond(to connection: Int32, reserved: inout Int) -> Response {
        let head: RequestHead
        switch RequestHead.receive(connection) {
        case .success(let read): head = read
        case .failure(let problem): return .error(problem.status, problem.message)
        }
        guard head.contentLength <= Self.maximumBodyBytes else {
            return .error(413, "request body of \(head.contentLength) bytes is over the limit of \(Self.maximumBodyBytes) bytes")
        }
        guard budget.reserve(head.contentLength) else {
            head.discardBody(connection)
            return .error(
                503,
                "the local API is busy: \(budget.reservedBytes) bytes of large request bodies are in progress, "
                    + "and this \(head.contentLength)-byte body would exceed the budget of \(budget.totalBytes) bytes; retry shortly",
                retryAfterSeconds: 1)
        }
        reserved = head.contentLength
        switch head.readBody(connection) {
        case .success(let body): return handler(Request(method: head.method, path: head.path, body: consume body))
        case .failure(let problem): return .error(problem.status, problem.message)
        }
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

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 413: return "Content Too Large"
        case 431: return "Request Header Fields Too Large"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
