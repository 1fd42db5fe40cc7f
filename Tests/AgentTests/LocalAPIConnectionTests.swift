import Foundation
import Testing

@testable import Agent

#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 on the agent's local API as clients such as tritonclient use it: kept-alive connections,
/// pipelined requests, `Expect: 100-continue`, IPv6; and an idle kept-alive client never holds a worker
/// from a busy one.
@Suite struct LocalAPIConnectionTests {
    /// A client connection that reads answers one at a time (by Content-Length), as keep-alive needs.
    final class Connection {
        let fd: Int32
        private var pending: [UInt8] = []

        init(port: Int, ipv6: Bool = false) throws {
            fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let connected: Int32
            if ipv6 {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = UInt16(port).bigEndian
                _ = inet_pton(AF_INET6, "::1", &address.sin6_addr)
                connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                }
            } else {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = UInt16(port).bigEndian
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        }

        deinit { close(fd) }

        func send(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) } }

        /// The next answer: its head and body; nil when the server closed the connection first.
        func answer() -> (head: String, body: String)? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            func fill() -> Bool {
                let count = read(fd, &buffer, buffer.count)
                guard count > 0 else { return false }
                pending += buffer[..<count]
                return true
            }
            var end: Int?
            while end == nil {
                end = (0..<max(0, pending.count - 3)).first { pending[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }
                if end == nil, !fill() { return nil }
            }
            let head = String(decoding: pending[..<end!], as: UTF8.self)
            let length =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            pending.removeFirst(end! + 4)
            while pending.count < length { if !fill() { return nil } }
            let body = String(decoding: pending[..<length], as: UTF8.self)
            pending.removeFirst(length)
            return (head, body)
        }

        /// True when the server closed the connection (a read returns end of file).
        var closedByServer: Bool {
            var byte: UInt8 = 0
            return read(fd, &byte, 1) == 0
        }
    }

    static func echoServer(_ limits: LocalAPIServer.Limits = LocalAPIServer.Limits(), host: String = "127.0.0.1") throws -> LocalAPIServer {
        try LocalAPIServer(host: host, port: 0, limits: limits) { request in
            .init(status: 200, body: Array("\(request.method) \(request.path) \(request.body.count)".utf8))
        }
    }

    @Test func aConnectionIsKeptAliveForSeveralRequestsUntilTheClientClosesIt() throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let connection = try Connection(port: server.port)
        for index in 1...3 {
            connection.send("POST /n/\(index) HTTP/1.1\r\nHost: x\r\nContent-Length: \(index)\r\n\r\n" + String(repeating: "a", count: index))
            let answer = try #require(connection.answer(), "request \(index) was not answered")
            #expect(answer.head.hasPrefix("HTTP/1.1 200") && answer.head.contains("Connection: keep-alive"), "\(answer.head)")
            #expect(answer.body == "POST /n/\(index) \(index)")
        }
        // Two requests in one write (pipelined): two answers, in order.
        connection.send("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
        #expect(connection.answer()?.body == "GET /a 0")
        #expect(connection.answer()?.body == "GET /b 0")
        connection.send("GET /last HTTP/1.1\r\nConnection: close\r\n\r\n")
        let last = try #require(connection.answer())
        #expect(last.head.contains("Connection: close") && last.body == "GET /last 0")
        #expect(connection.closedByServer)
        // HTTP/1.0 closes unless asked otherwise.
        let old = try Connection(port: server.port)
        old.send("GET /old HTTP/1.0\r\n\r\n")
        #expect(old.answer()?.head.contains("Connection: close") == true)
        #expect(old.closedByServer)
    }

    @Test func aClientThatExpectsContinueGetsItBeforeSendingTheBody() throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let connection = try Connection(port: server.port)
        connection.send("POST /infer HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = try #require(connection.answer())
        #expect(interim.head == "HTTP/1.1 100 Continue", "\(interim.head)")
        connection.send("hello")
        #expect(connection.answer()?.body == "POST /infer 5")
        // Too large: refused at once, no 100, and the body is never read.
        let large = try Connection(port: server.port)
        large.send("POST /infer HTTP/1.1\r\nContent-Length: \(1 << 30)\r\nExpect: 100-continue\r\n\r\n")
        let refused = try #require(large.answer())
        #expect(refused.head.hasPrefix("HTTP/1.1 413") && refused.head.contains("Connection: close"), "\(refused.head)")
    }

    @Test func chunkedBodiesAreRefusedClearly() throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let connection = try Connection(port: server.port)
        connection.send("POST /infer HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        let answer = try #require(connection.answer())
        #expect(answer.head.hasPrefix("HTTP/1.1 501") && answer.body.contains("send the body with Content-Length"), "\(answer)")
        #expect(connection.closedByServer)
    }

    /// With one worker, a client idling on a kept-alive connection would hold it for the idle limit (5 s);
    /// instead the worker closes that connection as soon as another waits.
    @Test func anIdleKeptAliveClientGivesItsWorkerToAWaitingOne() throws {
        var limits = LocalAPIServer.Limits()
        limits.workers = 1
        let server = try Self.echoServer(limits)
        defer { server.stop() }
        let idle = try Connection(port: server.port)
        idle.send("GET /first HTTP/1.1\r\n\r\n")
        #expect(idle.answer()?.body == "GET /first 0")
        let clock = ContinuousClock()
        let started = clock.now
        let waiting = try Connection(port: server.port)
        waiting.send("GET /second HTTP/1.1\r\n\r\n")
        #expect(waiting.answer()?.body == "GET /second 0")
        let waited = clock.now - started
        #expect(waited < .seconds(3), "the second client waited \(waited) behind an idle one (the idle limit is 5 s)")
        #expect(idle.closedByServer)
    }

    @Test func theServerListensOnIPv6Loopback() throws {
        for host in ["::1", "[::1]"] {
            let server = try Self.echoServer(host: host)
            defer { server.stop() }
            let connection = try Connection(port: server.port, ipv6: true)
            connection.send("GET /six HTTP/1.1\r\nConnection: close\r\n\r\n")
            #expect(connection.answer()?.body == "GET /six 0", "\(host)")
        }
    }
}
