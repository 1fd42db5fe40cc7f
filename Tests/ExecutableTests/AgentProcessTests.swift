import FleetCore
import FleetHTTP
import Foundation
import Testing

/// The real `modelfleet-agent` binary against the real `modelfleet-registry` binary.
@Suite(.serialized) struct AgentProcessTests {
    /// Kill -9 the agent at ten random points while it syncs the 10 MB OCR model over a capped link;
    /// every restart continues, the model that ends up live is byte-identical, and the registry served
    /// barely more than one copy of the chunks: nothing verified was fetched again.
    @Test func killedTenTimesMidSyncItStillEndsVerifiedWithoutRefetching() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = RegistryProcess(dataDirectory: dir.path + "/registry")
        try registry.start()
        let token = ["--registry", registry.baseURL, "--token-file", "registry/admin.token"]
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try ProgramRunner.run("fleetctl", ["keys", "register", "publisher.pub"] + token, in: dir).status == 0)
        let model = TestPaths.corpus.appendingPathComponent("models/rapidocr-onnxruntime-1.2.13/ch_PP-OCRv3_rec_infer.onnx").path
        let push = try ProgramRunner.run("fleetctl", ["push", model, "--model", "ocr-rec", "--version", "1.0.0", "--codec", "zstd:3", "--json"] + token, in: dir)
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try ProgramRunner.run("fleetctl", ["assign", "ocr-rec", "--select", "type=gateway"] + token, in: dir).status == 0)
        struct Summary: Decodable { var uploadedBytes: Int }
        let stored = try JSONDecoder().decode(Summary.self, from: Data(push.stdout.utf8)).uploadedBytes

        let agentArguments = ["run", "--once", "--data-dir", dir.path + "/agent", "--registry", registry.baseURL,
                              "--enroll-token", try registry.token("enroll.token"), "--trust", dir.path + "/publisher.pub",
                              "--labels", "type=gateway", "--max-download-rate", "2000000"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10 {
            let agent = Process()
            agent.executableURL = ProgramRunner.binaries.appendingPathComponent("modelfleet-agent")
            agent.arguments = agentArguments
            agent.standardOutput = FileHandle.nullDevice
            agent.standardError = FileHandle.nullDevice
            try agent.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...300, using: &generator)))
            kill(agent.processIdentifier, SIGKILL)
            agent.waitUntilExit()
        }
        // The kills landed mid-download: some chunks are verified in the store, not all, nothing is live.
        let verifiedSoFar = (try? FileManager.default.subpathsOfDirectory(atPath: dir.path + "/agent/chunks"))?
            .filter { $0.split(separator: "/").count == 2 && !$0.hasPrefix("partial") && !$0.hasPrefix("incoming") }.count ?? 0
        #expect(verifiedSoFar > 0)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/agent/models/ocr-rec/current"))

        let final = try ProgramRunner.run("modelfleet-agent", agentArguments)
        #expect(final.status == 0, "\(final.stdout) \(final.stderr)")
        let live = try Data(contentsOf: dir.appendingPathComponent("agent/models/ocr-rec/current/ch_PP-OCRv3_rec_infer.onnx"))
        #expect(live == (try Data(contentsOf: URL(fileURLWithPath: model))))

        let metrics = try await registry.admin.send("GET", "/metrics").text
        let served = metrics.split(separator: "\n").first { $0.hasPrefix("modelfleet_chunk_bytes_served_total ") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
        // Partial chunks resume by Range, so kills cost at most the bytes in flight, never a whole re-fetch.
        #expect(served >= stored)
        #expect(served < stored + 10 * 300_000, "served \(served) bytes for \(stored) stored")
    }
}
