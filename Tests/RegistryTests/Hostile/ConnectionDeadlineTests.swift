import Foundation
import Registry
import TestSupport
import Testing

/// Clients that stop talking lose their connection after the matching deadline, over real sockets.
/// Each test makes the deadline under test short and the others long, so only it can close the socket.
@Suite struct ConnectionDeadlineTests {
    static let healthz = "GET /healthz HTTP/1.1\r\nHost: registry\r\n\r\n"

    func registry(header: Double = 30, body: Double = 30, idle: Double = 30) async throws -> RegistryHarness {
        try await RegistryHarness.start {
            $0.connections.headerTimeoutSeconds = header
            $0.connections.bodyTimeoutSeconds = body
            $0.connections.idleTimeoutSeconds = idle
        }
    }

    /// Waits for the server to close the connection: not before `early` seconds, and by `late`. The tests give
    /// 8 s for a 1 s deadline (the others 30 s): a full parallel run on a loaded machine closed after 4.06 s.
    /// When this task itself resumes late (a busy concurrency pool), `receive` still looks once more; the close
    /// must then have been seen before 30 s, when the other deadlines could have caused it.
    func expectClosed(_ connection: RawConnection, after early: Double, by late: Double) async {
        let started = Date()
        let beforeTheDeadline = await connection.receive(within: early)
        let lookedAt = Date().timeIntervalSince(started)
        // A close seen at the first look is wrong only if that look came before the 1 s deadline.
        #expect(!beforeTheDeadline.closed || lookedAt >= 1, "closed \(lookedAt) s in, before the 1 s deadline")
        if beforeTheDeadline.closed { return }
        let received = await connection.receive(within: late - early)
        #expect(received.closed, "still open after \(late) s")
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let registry = try await registry(idle: 1)
        let connection = try RawConnection(registry)
        connection.send(Self.healthz)
        #expect(await connection.receive(within: 5, untilClosed: false).status == 200)
        await expectClosed(connection, after: 0.5, by: 8)
    }

    @Test func halfSentHeadersAreClosedAfterTheHeaderDeadline() async throws {
        let registry = try await registry(header: 1)
        let connection = try RawConnection(registry)
        connection.send("GET /healthz HTTP/1.1\r\nHost: registry\r\n")
        await expectClosed(connection, after: 0.5, by: 8)
    }

    @Test func halfSentHeadersOfALaterRequestAreClosedAfterTheHeaderDeadlineNotTheIdleTimeout() async throws {
        let registry = try await registry(header: 1, idle: 30)
        let connection = try RawConnection(registry)
        connection.send(Self.healthz)
        #expect(await connection.receive(within: 5, untilClosed: false).status == 200)
        connection.send("GET /healthz HTTP/1.1\r\nHo")
        await expectClosed(connection, after: 0.5, by: 8)
    }

    @Test func stalledBodyIsClosedAfterTheBodyDeadline() async throws {
        let registry = try await registry(body: 1)
        let connection = try RawConnection(registry)
        connection.send(
            "POST /v1/devices/enroll HTTP/1.1\r\nHost: registry\r\nAuthorization: Bearer \(registry.enrollToken)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"arch\":")
        await expectClosed(connection, after: 0.5, by: 8)
    }

    @Test func aSlowButSteadyBodyIsNotCutOff() async throws {
        let registry = try await registry(body: 3)
        let connection = try RawConnection(registry)
        let body = Array(#"{"arch":"aarch64","ramBytes":1,"diskBytes":1,"engineVersion":"1.0.0"}"#.utf8)
        connection.send(
            "POST /v1/devices/enroll HTTP/1.1\r\nHost: registry\r\nAuthorization: Bearer \(registry.enrollToken)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
        // Four pieces a second apart: longer than the deadline in all, but never three seconds of silence.
        for piece in [body[..<20], body[20..<40], body[40..<55], body[55...]] {
            let meanwhile = await connection.receive(within: 1)
            #expect(!meanwhile.closed)
            connection.send(Array(piece))
        }
        #expect(await connection.receive(within: 5, untilClosed: false).status == 201)
    }
}
