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
/// inference. A small HTTP/1.1 server over POSIX sockets (IPv4 or IPv6), with keep-alive and
/// `Expect: 100-continue`: the agent binary carries no SwiftNIO (docs/decisions.md).
///
/// A fixed pool of worker threads serves connections from a bounded queue (`Limits`): a thousand
/// clients at once cost the same threads as ten, and connections past the queue get 503 with
/// `Retry-After` at once rather than a thread each.
public final class LocalAPIServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header fields by lower-cased name.
        public var headers: [String: String]
        private let bodyBox: BodyBox

        init(method: String, path: String, headers: [String: String] = [:], body: consuming [UInt8]) {
            self.method = method
            self.path = path
            self.headers = headers
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
        /// Further header fields (`Inference-Header-Content-Length`).
        public var headers: [(name: String, value: String)] = []

        public init(
            status: Int, body: [UInt8], contentType: String = "application/json", retryAfterSeconds: Int? = nil,
            headers: [(name: String, value: String)] = []
        ) {
            self.status = status
            self.body = body
            self.contentType = contentType
            self.retryAfterSeconds = retryAfterSeconds
            self.headers = headers
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
        func head(keepAlive: Bool) -> [UInt8] {
            let retry = retryAfterSeconds.map { "Retry-After: \($0)\r\n" } ?? ""
            let extra = headers.map { "\($0.name): \($0.value)\r\n" }.joined()
            let text =
                "HTTP/1.1 \(status) \(LocalAPIServer.reason(status))\r\nContent-Type: \(contentType)\r\n"
                + "Content-Length: \(body.count)\r\n\(retry)\(extra)Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
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
        /// How long a kept-alive connection may wait for its next request, unless other connections wait for a
        /// worker: then it is closed at once (the client reconnects), so idle clients never hold workers from busy ones.
        public var keepAliveIdleSeconds = 5
        /// Requests served on one connection before it is closed (the client reconnects).
        public var requestsPerConnection = 1000
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
    private let limits: Limits
    static let maximumBodyBytes = 64 << 20

    /// Binds `host:port` (port 0 picks a free one), starts the workers and accepts on a thread of its own.
    public init(host: String, port: Int, limits: Limits = Limits(), handler: @escaping Handler) throws {
        self.handler = handler
        self.limits = limits
        queue = ConnectionQueue(capacity: limits.queuedConnections)
        budget = BodyBudget(totalBytes: limits.largeBodyBudgetBytes)
        let (fd, boundPort) = try Self.listen(host: host, port: port, backlog: limits.backlog)
        self.port = boundPort
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
        _ = (answer.head(keepAlive: false) + answer.body).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        shutdown(connection, Int32(SHUT_WR))
        close(connection)
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var carried: [UInt8] = []
        for served in 0..<max(limits.requestsPerConnection, 1) {
            var reserved = 0
            guard let exchange = respond(to: connection, carried: carried, reserved: &reserved) else { return }
            // Other connections waiting for a worker: this one is told it ends (`Connection: close`) rather than
            // being dropped after the answer, which a client reads as a failed request.
            let keepAlive = exchange.keepAlive && served + 1 < limits.requestsPerConnection && !queue.hasWaiting
            let head = exchange.response.head(keepAlive: keepAlive)
            // One send for small answers (two small segments can wait on Nagle and delayed ACKs); a
            // large body is not copied behind its head.
            if exchange.response.body.count < 64 << 10 {
                Self.writeAll(connection, head + exchange.response.body)
            } else {
                Self.writeAll(connection, head)
                Self.writeAll(connection, exchange.response.body)
            }
            // The request and its answer are gone now. A large one freed a lot in blocks glibc keeps:
            // hand them back, so the agent returns to its idle size.
            budget.release(reserved)
            if reserved > BodyBudget.largeBodyBytes { HeapMemory.releaseFreePages() }
            carried = exchange.leftover
            guard keepAlive, !carried.isEmpty || awaitNextRequest(connection) else { return }
        }
    }

    /// Waits for a kept-alive connection's next request: false when it stays quiet past the idle limit, or as
    /// soon as other connections wait for a worker.
    private func awaitNextRequest(_ connection: Int32) -> Bool {
        var descriptor = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        for _ in 0..<(max(limits.keepAliveIdleSeconds, 0) * 20) {
            if queue.hasWaiting { return false }
            let ready = poll(&descriptor, 1, 50)
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { return false }
        }
        return false
    }

    /// One request read and answered (nil: the client closed the connection before sending another).
    private struct Exchange {
        var response: Response
        var keepAlive: Bool
        var leftover: [UInt8] = []
    }

    /// Reads one request and handles it, within the body budget: a large body that does not fit is
    /// read and dropped (so the client sees the answer, not a reset) and answered 503. `reserved`
    /// is what the caller gives back to the budget once the answer is sent. A request refused before its
    /// body was read ends its connection.
    private func respond(to connection: Int32, carried: [UInt8], reserved: inout Int) -> Exchange? {
        let head: RequestHead
        switch RequestHead.receive(connection, carried: carried) {
        case .success(let read?): head = read
        case .success(nil): return nil
        case .failure(let problem): return Exchange(response: .error(problem.status, problem.message), keepAlive: false)
        }
        guard head.contentLength <= Self.maximumBodyBytes else {
            return Exchange(
                response: .error(413, "request body of \(head.contentLength) bytes is over the limit of \(Self.maximumBodyBytes) bytes"), keepAlive: false)
        }
        guard budget.reserve(head.contentLength) else {
            let busy = Response.error(
                503,
                "the local API is busy: \(budget.reservedBytes) bytes of large request bodies are in progress, "
                    + "and this \(head.contentLength)-byte body would exceed the budget of \(budget.totalBytes) bytes; retry shortly",
                retryAfterSeconds: 1)
            // A client waiting for 100 Continue sends no body: answer at once.
            if !head.expectsContinue { head.discardBody(connection) }
            return Exchange(response: busy, keepAlive: false)
        }
        reserved = head.contentLength
        if head.expectsContinue, head.early.count < head.contentLength {
            Self.writeAll(connection, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        switch head.readBody(connection) {
        case .success(let body):
            let request = Request(method: head.method, path: head.path, headers: head.headers, body: consume body)
            return Exchange(response: handler(request), keepAlive: head.keepAlive, leftover: head.leftover)
        case .failure(let problem):
            return Exchange(response: .error(problem.status, problem.message), keepAlive: false)
        }
    }

    /// A listening socket on `host` (an IPv4 or IPv6 address, brackets allowed) and the port it got.
    private static func listen(host: String, port: Int, backlog: Int) throws -> (Int32, Int) {
        let address = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let family = address.contains(":") ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FleetError.io(path: "\(host):\(port)", operation: "create a socket", errno: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var storage = sockaddr_storage()
        let length: socklen_t
        let parsed: Int32
        if family == AF_INET6 {
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            parsed = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                    ipv6.pointee.sin6_family = sa_family_t(AF_INET6)
                    ipv6.pointee.sin6_port = UInt16(port).bigEndian
                    return inet_pton(AF_INET6, address, &ipv6.pointee.sin6_addr)
                }
            }
        } else {
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            parsed = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                    ipv4.pointee.sin_family = sa_family_t(AF_INET)
                    ipv4.pointee.sin_port = UInt16(port).bigEndian
                    return inet_pton(AF_INET, address, &ipv4.pointee.sin_addr)
                }
            }
        }
        guard parsed == 1 else {
            close(fd)
            throw FleetError.io(path: host, operation: "parse the listen address (an IPv4 or IPv6 address expected)", errno: EINVAL)
        }
        let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, Glibc.listen(fd, Int32(clamping: max(backlog, 1))) == 0 else {
            let code = errno
            close(fd)
            throw FleetError.io(path: "\(host):\(port)", operation: "listen", errno: code)
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) } }
        let boundPort = withUnsafePointer(to: &actual) { pointer -> UInt16 in
            family == AF_INET6
                ? pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }
                : pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
        }
        return (fd, Int(UInt16(bigEndian: boundPort)))
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
        case 408: return "Request Timeout"
        case 411: return "Length Required"
        case 405: return "Method Not Allowed"
        case 413: return "Content Too Large"
        case 431: return "Request Header Fields Too Large"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
