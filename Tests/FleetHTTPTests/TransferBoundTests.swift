import FleetCore
import Foundation
import TestProcesses
import Testing

@testable import FleetHTTP

/// Issue #15 item 8: a server that accepts the connection and never answers must end a request in
/// bounded time. Before the first-byte timeout and the retry budget, each of the 6 attempts ran
/// into the 30 s whole-transfer (or stall) limit: three minutes and more per request.
@Suite(.serialized) final class TransferBoundTests {
    let server: SpawnedProcess
    let base: String

    init() throws {
        server = SpawnedProcess()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/fault_server.py").path]
        let pipe = Pipe()
        server.standardOutput = pipe
        server.standardInput = Pipe()
        try server.run()
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = line.split(separator: " ").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw TransportError(url: "", code: -1, message: "fault server did not start: \(line)")
        }
        base = "http://127.0.0.1:\(port)"
    }

    deinit { server.terminate() }

    /// One-second first-byte timeout, a three-second retry budget, and quick backoff. A request
    /// then ends in about 3-4 s; before, each of the 6 attempts took 30 s (over 180 s). The
    /// bound is 60 s because under the full parallel test run the awaiting task can wait tens of
    /// seconds for a cooperative thread after the transfer ended; the message says the budget
    /// ended it.
    static func boundedClient() -> HTTPClient {
        var options = TransferOptions()
        options.firstByteTimeoutSeconds = 1
        options.retryBudgetSeconds = 3
        options.retry = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))
        return HTTPClient(options: options)
    }

    @Test func aSilentServerEndsARetriedRequestWithinTheBudget() async throws {
        let start = ContinuousClock.now
        do {
            _ = try await Self.boundedClient().sendWithRetries(HTTPRequest(method: "GET", url: base + "/silent"))
            Issue.record("a server that never answers produced a response")
        } catch {
            // The last attempt is cut by the first-byte timeout or by the rest of the budget.
            let message = "\(error)"
            #expect(message.contains("first-byte timeout") || message.contains("whole request"), "\(error)")
            #expect(message.contains("retry budget of 3 s"), "\(error)")
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(60), "took \(elapsed)")
    }

    @Test func aSilentServerEndsADownloadWithinTheBudget() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("silent-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let start = ContinuousClock.now
        await #expect(throws: TransportError.self) {
            try await Self.boundedClient().download(HTTPRequest(method: "GET", url: self.base + "/silent"), to: path, expectedLength: 300_000)
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(60), "took \(elapsed)")
    }

    @Test func theBudgetDoesNotCutAnAnsweringServer() async throws {
        let response = try await Self.boundedClient().sendWithRetries(HTTPRequest(method: "GET", url: base + "/ok"))
        #expect(response.status == 200 && response.body.count == 300_000)
    }
}
