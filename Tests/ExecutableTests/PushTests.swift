import FleetCore
import FleetHTTP
import Foundation
import TestProcesses
import Testing

@Suite(.serialized) struct PushTests {
    struct Summary: Decodable {
        var chunks: Int
        var uploadedChunks: Int
        var uploadedBytes: Int
        var deduplicatedBytes: Int
        var totalBytes: Int
    }

    func push(_ registry: RegistryProcess, _ arguments: [String], in dir: URL) throws -> ProgramRunner.Result {
        try ProgramRunner.run(
            "fleetctl", ["--registry", registry.baseURL, "--token-file", registry.dataDirectory + "/admin.token", "push"] + arguments + ["--json"], in: dir)
    }

    @Test func pushDeduplicatesAgainstWhatTheRegistryHolds() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = RegistryProcess(dataDirectory: dir.path + "/data")
        try registry.start()
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        let register = try ProgramRunner.run(
            "fleetctl", ["keys", "register", "publisher.pub", "--registry", registry.baseURL, "--token-file", "data/admin.token"], in: dir)
        #expect(register.status == 0, "\(register.stderr)")

        let models = TestPaths.corpus.appendingPathComponent("models/digits-mlp")
        let first = try push(
            registry,
            [
                models.appendingPathComponent("v1.onnx").path, "--model", "digits-mlp", "--version", "1.0.0",
                "--self-test", TestPaths.corpus.appendingPathComponent("reference/digits-mlp/v1/test_data_set_0").path
            ], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let v1 = try JSONDecoder().decode(Summary.self, from: Data(first.stdout.utf8))
        #expect(v1.uploadedChunks == v1.chunks)
        #expect(v1.deduplicatedBytes == 0)

        let second = try push(registry, [models.appendingPathComponent("v3.onnx").path, "--model", "digits-mlp", "--version", "1.1.0"], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        let v3 = try JSONDecoder().decode(Summary.self, from: Data(second.stdout.utf8))
        // Only the refitted output layer (5,160 bytes of tensors) and its framing travel.
        #expect(v3.uploadedBytes < 2 * 5_160, "uploaded \(v3.uploadedBytes)")
        #expect(v3.deduplicatedBytes > v3.totalBytes * 9 / 10)

        let again = try push(registry, [models.appendingPathComponent("v3.onnx").path, "--model", "digits-mlp", "--version", "1.1.0"], in: dir)
        #expect(again.status != 0)
        #expect(again.stderr.contains("registry answered 409 conflict: digits-mlp 1.1.0 (fp32) already exists"))
    }

    /// Kill a push of a 10 MB model part-way; the re-run uploads only what had not arrived.
    @Test func aKilledPushResumesWithoutResendingChunks() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = RegistryProcess(dataDirectory: dir.path + "/data")
        try registry.start()
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(
            try ProgramRunner.run(
                "fleetctl", ["keys", "register", "publisher.pub", "--registry", registry.baseURL, "--token-file", "data/admin.token"], in: dir
            ).status == 0)
        let model = TestPaths.corpus.appendingPathComponent("models/rapidocr-onnxruntime-1.2.13/ch_PP-OCRv3_rec_infer.onnx").path

        // zstd 19 makes the push slow enough (seconds) to interrupt in the middle.
        let process = SpawnedProcess()
        process.executableURL = ProgramRunner.binaries.appendingPathComponent("fleetctl")
        process.arguments = [
            "push", model, "--model", "ocr-rec", "--version", "3.0.0", "--codec", "zstd:19",
            "--registry", registry.baseURL, "--token-file", "data/admin.token", "--json"
        ]
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var uploadedBeforeKill = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while uploadedBeforeKill < 20, ContinuousClock.now < deadline {
            usleep(20_000)  // blocking on purpose, as in AgentProcessTests: cooperative threads may all be busy
            uploadedBeforeKill = registry.visibleChunkFiles().count
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try await Task.sleep(for: .milliseconds(300))  // let the server finish a request already fully received
        uploadedBeforeKill = registry.visibleChunkFiles().count
        #expect(uploadedBeforeKill >= 20)

        let resumed = try push(registry, [model, "--model", "ocr-rec", "--version", "3.0.0", "--codec", "zstd:3"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let summary = try JSONDecoder().decode(Summary.self, from: Data(resumed.stdout.utf8))
        #expect(summary.uploadedChunks == Set(try Chunker().chunkFile(at: model, mode: .tensorAware).chunks.map(\.digest)).count - uploadedBeforeKill)
        #expect(summary.uploadedChunks < summary.chunks)
    }
}
