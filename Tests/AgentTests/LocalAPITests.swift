@testable import Agent
import FleetCore
import FleetHTTP
import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite struct LocalAPITests {
    @Test func listsLiveModelsAndSaysPlainlyThatInferenceIsNotBuilt() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp")
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path
        let engine = try SyncEngine(settings: AgentSettings(registry: registry.baseURL, enrollToken: registry.enrollToken,
                                                            dataDirectory: data, trustedKeys: [publisher.key.publicKey]))
        let api = engine.localAPI
        let server = try LocalAPIServer(host: "127.0.0.1", port: 0) { api.handle($0) }
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let http = HTTPClient()

        #expect(try await http.send(HTTPRequest(method: "GET", url: base + "/v1/models")).text == #"{"models":[]}"#)
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        _ = try await engine.checkInAndSync()
        let listed = try await http.send(HTTPRequest(method: "GET", url: base + "/v1/models"))
        #expect(listed.status == 200)
        #expect(listed.text.hasPrefix(#"{"models":[{"manifestDigest":"sha256:"#) && listed.text.hasSuffix(#""model":"digits-mlp","variant":"fp32","version":"1.0.0"}]}"#))

        let infer = try await http.send(HTTPRequest(method: "POST", url: base + "/v1/models/digits-mlp/infer", body: Array(#"{"X":[0]}"#.utf8)))
        #expect(infer.status == 501)
        #expect(infer.text.contains("this build has no inference engine yet"))
        #expect(try await http.send(HTTPRequest(method: "POST", url: base + "/v1/models/other/infer", body: [])).status == 404)
        #expect(try await http.send(HTTPRequest(method: "DELETE", url: base + "/v1/models")).status == 405)
        #expect(try await http.send(HTTPRequest(method: "GET", url: base + "/healthz")).text == "ok\n")
    }
}

@Suite struct LocalAPIServerTests {
    /// Sends raw bytes, returns the raw answer.
    func exchange(_ port: Int, _ bytes: [UInt8]) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        shutdown(fd, Int32(SHUT_WR))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            answer += buffer[..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    @Test func malformedRequestsGetAClearStatus() throws {
        let server = try LocalAPIServer(host: "127.0.0.1", port: 0) { _ in .init(status: 200, body: []) }
        defer { server.stop() }
        #expect(exchange(server.port, Array("GARBAGE\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 400 Bad Request"))
        #expect(exchange(server.port, Array("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n".utf8)).contains(#""message":"bad Content-Length""#))
        #expect(exchange(server.port, Array("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc".utf8)).contains("the request body ended after 3 of 10 bytes"))
        #expect(exchange(server.port, Array("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 20_000))".utf8)).hasPrefix("HTTP/1.1 431"))
        #expect(throws: FleetError.self) { try LocalAPIServer(host: "not-an-ip", port: 0) { _ in .init(status: 200, body: []) } }
    }
}
