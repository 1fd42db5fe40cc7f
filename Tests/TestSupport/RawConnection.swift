import Foundation

/// A plain TCP connection to a loopback port, for what a well-behaved HTTP client never sends: half a
/// request, raw bytes in a path, a stalled body, or nothing at all. Reads wait with a timeout, so a
/// test can tell "the server closed the connection" from "the server is still holding it".
public final class RawConnection {
    private let socket: Int32

    /// Connects to `127.0.0.1:port`; throws if the connection is refused.
    public init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        // A server that stops reading must not hang a test in send().
        var sendTimeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "connect to port \(port) failed: errno \(errno)"])
        }
    }

    /// The port of a harness's base URL (`http://127.0.0.1:PORT`).
    public convenience init(_ registry: RegistryHarness) throws {
        try self.init(port: Int(registry.baseURL.split(separator: ":").last ?? "") ?? 0)
    }

    deinit { close(socket) }

    /// Sends bytes; false if the server has already closed the connection.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// What arrived within `seconds`, and whether the server closed (or reset) the connection.
    public struct Received {
        public var bytes: [UInt8]
        public var closed: Bool
        public var text: String { String(decoding: bytes, as: UTF8.self) }
        /// The status code of the first response line, if one arrived.
        public var status: Int? {
            text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        }
        /// The body of the first response (what follows the blank line).
        public var body: String {
            text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        }
    }

    /// Reads until the server closes the connection, `untilClosed` is false and a complete response
    /// (head and `Content-Length` body) has arrived, or `seconds` pass. Waits by sleeping, not by
    /// blocking in `poll`: the registry under test runs its routes on the same cooperative threads.
    ///
    /// A test task can resume from its sleep well after the deadline when a full parallel run keeps the
    /// concurrency pool's threads busy: what arrived by then is still read once more (a close that came in time
    /// is not missed because this task was late to look).
    public func receive(within seconds: Double, untilClosed: Bool = true) async -> Received {
        let deadline = Date().addingTimeInterval(seconds)
        var received = Received(bytes: [], closed: false)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var lastLook = false
        while !lastLook {
            lastLook = Date() >= deadline
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 0) > 0 else {
                if !lastLook { try? await Task.sleep(for: .milliseconds(10)) }
                continue
            }
            let count = read(socket, &buffer, buffer.count)
            if count <= 0 {
                received.closed = true
                return received
            }
            received.bytes += buffer[..<count]
            if !untilClosed, Self.isComplete(received.text) { return received }
        }
        return received
    }

    private static func isComplete(_ text: String) -> Bool {
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text[end.upperBound...].utf8.count >= length
    }
}
