import TestSupport
import Testing

/// Requests NIO's HTTP parser refuses still get the API's JSON error, then the connection closes.
@Suite struct MalformedHTTPTests {
    func exchange(_ bytes: [UInt8]) async throws -> RawConnection.Received {
        let registry = try await RegistryHarness.start()
        let connection = try RawConnection(registry)
        connection.send(bytes)
        return await connection.receive(within: 10)
    }

    func expectJSONError(_ received: RawConnection.Received, status: Int, code: String, message: String) {
        #expect(received.status == status, "\(received.text)")
        #expect(received.body == #"{"error":{"code":"\#(code)","message":"\#(message)"}}"#)
        #expect(received.text.lowercased().contains("content-type: application/json"))
        #expect(received.closed)
    }

    @Test func nonASCIIPathBytes() async throws {
        let received = try await exchange(Array("GET /v1/models/caf".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        expectJSONError(
            received, status: 400, code: "bad_request",
            message: "malformed HTTP request: the request line holds a byte HTTP does not allow there (percent-encode non-ASCII and control characters)")
    }

    @Test func controlCharactersInAHeader() async throws {
        let received = try await exchange(Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\u{01}b\r\n\r\n".utf8))
        expectJSONError(received, status: 400, code: "bad_request", message: "malformed HTTP request: a header holds a character HTTP does not allow")
    }

    @Test func oneMegabyteOfHeaders() async throws {
        let received = try await exchange(Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 1 << 20))\r\n\r\n".utf8))
        expectJSONError(received, status: 431, code: "headers_too_large", message: "the request's headers are over the limit of 16384 bytes")
    }
}
