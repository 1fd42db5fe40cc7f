import FleetCore
import FleetHTTP
import Foundation
import TestProcesses
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
        let push = try ProgramRunner.run(
            "fleetctl", ["push", model, "--model", "ocr-rec", "--version", "1.0.0", "--codec", "zstd:3", "--json"] + token, in: dir)
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try ProgramRunner.run("fleetctl", ["assign", "ocr-rec", "--select", "type=gateway"] + token, in: dir).status == 0)

        let agentArguments = [
            "daemon", "--once", "--data-dir", dir.path + "/agent", "--registry", registry.baseURL,
            "--enroll-token", try registry.token("enroll.token"), "--trust", dir.path + "/publisher.pub",
            "--labels", "type=gateway", "--max-download-rate", "2000000"
        ]
        // Counts the store's shard folders only: a recursive walk fails while partial/ and incoming/ churn.
        func verifiedChunks() -> Int {
            let root = dir.path + "/agent/chunks"
            return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.count == 2 }
                .reduce(0) { $0 + ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + $1).count) ?? 0) }
        }
        // Each kill falls after a seeded pseudo-random number (1-12) of newly verified chunks, so all ten land mid-download
        // however loaded the machine is; partial chunks are being written at each of them.
        var generator = SeededRandom(seed: 10)
        for _ in 0..<10 {
            let agent = SpawnedProcess()
            agent.executableURL = ProgramRunner.binaries.appendingPathComponent("modelfleet-agent")
            agent.arguments = agentArguments
            agent.standardOutput = FileHandle.nullDevice
            agent.standardError = FileHandle.nullDevice
            let target = verifiedChunks() + Int.random(in: 1...12, using: &generator)
            try agent.run()
            // Polls with a blocking sleep: other tests may occupy every cooperative thread, and a
            // Task.sleep could then wake seconds late, after the whole sync had finished.
            let deadline = ContinuousClock.now + .seconds(20)
            while verifiedChunks() < target, ContinuousClock.now < deadline {
                usleep(5_000)
            }
            kill(agent.processIdentifier, SIGKILL)
            agent.waitUntilExit()
        }
        // Some chunks are verified in the store, not all, and nothing is live yet.
        #expect(verifiedChunks() >= 10)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/agent/models/ocr-rec/current"))

        let final = try ProgramRunner.run("modelfleet-agent", agentArguments)
        #expect(final.status == 0, "\(final.stdout) \(final.stderr)")
        let live = try Data(contentsOf: dir.appendingPathComponent("agent/models/ocr-rec/current/ch_PP-OCRv3_rec_infer.onnx"))
        #expect(live == (try Data(contentsOf: URL(fileURLWithPath: model))))

        // A kill can lose at most the chunks in flight (8 parallel downloads), which are fetched again;
        // a chunk verified before a kill is never requested again.
        let metrics = try await registry.admin.send("GET", "/metrics").text
        let chunkGETs = metrics.split(separator: "\n")
            .filter { $0.hasPrefix("modelfleet_http_requests_total{") && $0.contains("chunks") && $0.contains(#"method="GET""#) }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        let unique = Set(try Chunker().chunkFile(at: model, mode: .tensorAware).chunks.map(\.digest)).count
        #expect(chunkGETs >= unique)
        #expect(chunkGETs <= unique + 10 * 8, "\(chunkGETs) chunk requests for \(unique) chunks")
    }

    /// SIGTERM mid-download: the agent stops between chunks, says so, exits 0 within seconds, and
    /// the next start finishes the sync without fetching a verified chunk again. With no download
    /// in progress (idle between check-ins) it exits 0 at once.
    @Test func sigtermStopsAtACleanPointAndExitsZero() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = RegistryProcess(dataDirectory: dir.path + "/registry")
        try registry.start()
        let token = ["--registry", registry.baseURL, "--token-file", "registry/admin.token"]
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try ProgramRunner.run("fleetctl", ["keys", "register", "publisher.pub"] + token, in: dir).status == 0)
        let model = TestPaths.corpus.appendingPathComponent("models/rapidocr-onnxruntime-1.2.13/ch_PP-OCRv3_rec_infer.onnx").path
        let push = try ProgramRunner.run("fleetctl", ["push", model, "--model", "ocr-rec", "--version", "1.0.0", "--codec", "zstd:3"] + token, in: dir)
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try ProgramRunner.run("fleetctl", ["assign", "ocr-rec", "--select", "type=gateway"] + token, in: dir).status == 0)
        let arguments = [
            "daemon", "--data-dir", dir.path + "/agent", "--registry", registry.baseURL, "--enroll-token", try registry.token("enroll.token"),
            "--trust", dir.path + "/publisher.pub", "--labels", "type=gateway", "--listen", "127.0.0.1:0", "--checkin-interval", "3600"
        ]
        func verifiedChunks() -> Int {
            let root = dir.path + "/agent/chunks"
            return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.count == 2 }
                .reduce(0) { $0 + ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + $1).count) ?? 0) }
        }
        func start(_ extra: [String]) throws -> (SpawnedProcess, Pipe) {
            let agent = SpawnedProcess()
            agent.executableURL = ProgramRunner.binaries.appendingPathComponent("modelfleet-agent")
            agent.arguments = arguments + extra
            let output = Pipe()
            agent.standardOutput = output
            agent.standardError = FileHandle.nullDevice
            try agent.run()
            return (agent, output)
        }

        // Mid-download over a 1 MB/s link: stop once a few chunks are verified.
        let (agent, output) = try start(["--max-download-rate", "1000000"])
        let deadline = ContinuousClock.now + .seconds(30)
        while verifiedChunks() < 5, ContinuousClock.now < deadline { usleep(5_000) }
        let signalled = ContinuousClock.now
        kill(agent.processIdentifier, SIGTERM)
        agent.waitUntilExit()
        let stopTook = ContinuousClock.now - signalled
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(agent.terminationReason == .exit && agent.terminationStatus == 0, "\(said)")
        #expect(said.contains("SIGTERM: stopping at a clean point"), "\(said)")
        #expect(stopTook < .seconds(15), "stopping took \(stopTook)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/agent/models/ocr-rec/current"))
        let kept = verifiedChunks()
        #expect(kept >= 5)

        // The next start finishes the sync; then, idle, SIGTERM ends it at once with status 0.
        let (again, _) = try start([])
        let live = dir.path + "/agent/models/ocr-rec/current/ch_PP-OCRv3_rec_infer.onnx"
        let finish = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: live), ContinuousClock.now < finish { usleep(20_000) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: live)) == (try Data(contentsOf: URL(fileURLWithPath: model))))
        usleep(200_000)
        kill(again.processIdentifier, SIGTERM)
        again.waitUntilExit()
        #expect(again.terminationReason == .exit && again.terminationStatus == 0)

        let metrics = try await registry.admin.send("GET", "/metrics").text
        let chunkGETs = metrics.split(separator: "\n")
            .filter { $0.hasPrefix("modelfleet_http_requests_total{") && $0.contains("chunks") && $0.contains(#"method="GET""#) }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        let unique = Set(try Chunker().chunkFile(at: model, mode: .tensorAware).chunks.map(\.digest)).count
        // Chunks in flight at the stop finished and were kept: nothing is fetched twice.
        #expect(chunkGETs <= unique + 8, "\(chunkGETs) chunk requests for \(unique) chunks")
    }
}
