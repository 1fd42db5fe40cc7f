import FleetCore
import Foundation
import TestProcesses
import Testing

@testable import FleetHTTP

/// Downloads against a real misbehaving HTTP server on loopback (Support/fault_server.py).
@Suite(.serialized) final class DownloadTests {
    let server: SpawnedProcess
    let base: String
    var expected: [UInt8] = []

    init() async throws {
        server = SpawnedProcess()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/fault_server.py").path]
        let pipe = Pipe()
        server.standardOutput = pipe
        server.standardInput = Pipe()  // closed when this process ends, which stops the server
        try server.run()
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = line.split(separator: " ").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw TransportError(url: "", code: -1, message: "fault server did not start: \(line)")
        }
        base = "http://127.0.0.1:\(port)"
        expected = try await HTTPClient().send(HTTPRequest(method: "GET", url: base + "/ok")).body
    }

    deinit { server.terminate() }

    func scratchFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("download-\(UUID().uuidString)").path
    }

    func fastRetries() -> HTTPClient {
        var options = TransferOptions()
        options.retry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))
        return HTTPClient(options: options)
    }

    @Test func resumesFromThePartialFile() async throws {
        #expect(expected.count == 300_000)
        let path = scratchFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(expected.prefix(123_456)).write(to: URL(fileURLWithPath: path))
        let received = try await fastRetries().download(HTTPRequest(method: "GET", url: base + "/ok"), to: path, expectedLength: expected.count)
        #expect(received == expected.count - 123_456)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
    }

    @Test func aDroppedConnectionIsRetriedFromWhereItStopped() async throws {
        let path = scratchFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let received = try await fastRetries().download(HTTPRequest(method: "GET", url: base + "/drop/1"), to: path, expectedLength: expected.count)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
        // Half the body on the first try, the other half on the second: no byte twice.
        #expect(received == expected.count)
    }

    @Test func aServerIgnoringRangeRewritesTheFile() async throws {
        let path = scratchFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(expected.prefix(1000)).write(to: URL(fileURLWithPath: path))
        try await fastRetries().download(HTTPRequest(method: "GET", url: base + "/no-range"), to: path, expectedLength: expected.count)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
    }

    @Test func busyServersAreRetriedAndErrorsAreNot() async throws {
        let path = scratchFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await fastRetries().download(HTTPRequest(method: "GET", url: base + "/busy/2"), to: path, expectedLength: expected.count)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
        let retried = try await fastRetries().sendWithRetries(HTTPRequest(method: "GET", url: base + "/busy/3/again"))
        #expect(retried.status == 200)

        await #expect(throws: HTTPStatusError.self) {
            try await self.fastRetries().download(HTTPRequest(method: "GET", url: self.base + "/missing"), to: path, expectedLength: 10)
        }
        let stats = try await HTTPClient().send(HTTPRequest(method: "GET", url: base + "/stats")).text
        #expect(stats.contains(#""/missing": 1"#), "a 404 must not be retried: \(stats)")
    }

    @Test func theBandwidthCapHoldsAcrossTransfers() async throws {
        var options = TransferOptions()
        options.maxReceiveBytesPerSecond = 1_000_000
        let client = HTTPClient(options: options)
        let started = ContinuousClock.now
        for _ in 0..<3 {
            let path = scratchFile()
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await client.download(HTTPRequest(method: "GET", url: base + "/ok"), to: path, expectedLength: expected.count)
        }
        // 900,000 bytes at 1 MB/s: at least ~0.9 s, whatever each transfer's size.
        #expect(ContinuousClock.now - started >= .milliseconds(850))
    }

    @Test func aDeadServerFailsAfterTheRetryBudget() async throws {
        let client = fastRetries()
        let started = ContinuousClock.now
        await #expect(throws: TransportError.self) {
            _ = try await client.sendWithRetries(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/nothing"))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
