import Registry
import TestSupport
import Testing

/// Beyond `http.max_connections` a new connection hears a JSON 503 and is closed, while the
/// connections already admitted keep being answered.
@Suite struct ConnectionLimitTests {
    static let healthz = "GET /healthz HTTP/1.1\r\nHost: registry\r\n\r\n"

    /// A connection that has been answered once, so the registry has certainly admitted it.
    func admitted(_ registry: RegistryHarness) async throws -> RawConnection {
        let connection = try RawConnection(registry)
        connection.send(Self.healthz)
        #expect(await connection.receive(within: 5, untilClosed: false).status == 200)
        return connection
    }

    @Test func connectionsBeyondTheLimitAreRefusedAndAdmittedOnesStillAnswer() async throws {
        let registry = try await RegistryHarness.start { $0.connections.maxConnections = 3 }
        let first = try await admitted(registry)
        var others = [try await admitted(registry), try await admitted(registry)]

        let refused = try RawConnection(registry)
        let answer = await refused.receive(within: 5)
        #expect(answer.status == 503)
        #expect(answer.body == #"{"error":{"code":"too_many_connections","message":"the registry is serving its maximum of 3 connections; retry later"}}"#)
        #expect(answer.closed)

        // The connections already admitted are still served.
        first.send(Self.healthz)
        #expect(await first.receive(within: 5, untilClosed: false).status == 200)

        // Closing one frees its place.
        others.removeLast()
        try await Task.sleep(for: .milliseconds(300))
        _ = try await admitted(registry)
    }
}
