import FleetCore
import FleetHTTP
import Foundation
import TestProcesses
import TestSupport
import Testing

@testable import Agent

/// The agent syncing through a proxy that corrupts, truncates, refuses and slows chunk downloads.
@Suite struct FaultProxyTests {
    @Test func convergesAndNothingCorruptIsEverLive() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "ocr-cls", selector: "")
        let model = TestPublisher.corpus("models/rapidocr-onnxruntime-1.2.13/ch_ppocr_mobile_v2.0_cls_infer.onnx")
        let (manifest, _) = try await publisher.publish(model: "ocr-cls", version: "1.0.0", file: model, to: registry.admin)

        let proxy = SpawnedProcess()
        proxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let upstreamPort = try #require(registry.baseURL.split(separator: ":").last.map(String.init))
        proxy.arguments = [
            "python3", URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/fault_proxy.py").path, upstreamPort
        ]
        let output = Pipe()
        proxy.standardOutput = output
        proxy.standardInput = Pipe()
        try proxy.run()
        defer { proxy.terminate() }
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(line.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let proxied = "http://127.0.0.1:\(port)"

        var transfer = TransferOptions()
        transfer.retry = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(10), maxDelay: .milliseconds(100))
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path
        let engine = try SyncEngine(
            settings: AgentSettings(
                registry: proxied, enrollToken: registry.enrollToken, dataDirectory: data,
                trustedKeys: [publisher.key.publicKey], transfer: transfer))
        let outcome = try #require(try await engine.checkInAndSync().first)
        guard case .activated = outcome.result else {
            Issue.record("not activated through the faults: \(outcome)")
            return
        }
        let live = try Data(contentsOf: URL(fileURLWithPath: data + "/models/ocr-cls/current/model.onnx"))
        #expect(live == (try Data(contentsOf: URL(fileURLWithPath: model))))

        struct Stats: Decodable {
            var requests: [String: Int]
            var faults: [String: String]
        }
        let stats = try JSONDecoder().decode(
            Stats.self, from: Data(try await HTTPClient().send(HTTPRequest(method: "GET", url: proxied + "/proxy-stats")).body))
        let faults = Set(stats.faults.values)
        #expect(faults.isSuperset(of: ["corrupt", "truncate", "busy"]), "\(stats.faults)")
        // Every chunk whose first answer was corrupted, cut short or refused was fetched again.
        for (path, fault) in stats.faults where fault != "pass" && fault != "slow" {
            #expect(stats.requests[path, default: 0] >= 2, "\(path) (\(fault)) was not fetched again")
        }
        #expect(Set(manifest.files.flatMap(\.chunks).map(\.digest)).count == stats.faults.count)
    }
}
