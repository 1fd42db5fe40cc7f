import FleetHTTP
import Foundation
import TestProcesses
import Testing

/// The real agent binary serving the real registry's model: a publisher pushes digits-mlp with
/// self-test vectors, the agent self-tests and swaps it in, and inference on its local API over the
/// 450 held-out digits gives the accuracy sklearn and onnxruntime recorded; a pushed update is
/// swapped in while the agent keeps serving.
@Suite(.serialized) struct ServingProcessTests {
    struct Answer: Decodable {
        struct Output: Decodable {
            var name: String
            var shape: [Int]
            var data: [Double]?
        }
        var version: String
        var outputs: [Output]
    }

    /// The held-out digits as the local API's JSON: float32 bytes in base64, all 450 rows in one batch.
    static func heldOutBatch() throws -> (body: [UInt8], labels: [Int64]) {
        let folder = TestPaths.corpus.appendingPathComponent("models/digits-mlp")
        func payload(_ name: String) throws -> Data {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8  // .npy format 1.0
            return bytes.subdata(in: (10 + headerLength)..<bytes.count)
        }
        let x = try payload("X_test.npy")
        let y = try payload("y_test.npy")
        let labels = stride(from: 0, to: y.count, by: 8).map { offset in
            y[offset..<(offset + 8)].reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) }
        }
        let body = #"{"inputs":{"input":{"shape":[450,64],"dtype":"float32","base64":"\#(x.base64EncodedString())"}}}"#
        return (Array(body.utf8), labels)
    }

    /// Waits (blocking, so a busy cooperative pool cannot delay it) until `file` contains `text`.
    static func wait(for text: String, in file: URL, seconds: Int = 60) -> String {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var content = ""
        while ContinuousClock.now < deadline {
            content = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if content.contains(text) { break }
            usleep(20_000)
        }
        return content
    }

    @Test func agentProcessServesTheHeldOutDigitsWithRecordedAccuracy() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = RegistryProcess(dataDirectory: dir.path + "/registry")
        try registry.start()
        defer { registry.killHard() }
        let token = ["--registry", registry.baseURL, "--token-file", "registry/admin.token"]
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try ProgramRunner.run("fleetctl", ["keys", "register", "publisher.pub"] + token, in: dir).status == 0)
        func push(_ file: String, _ version: String) throws {
            let selfTest = TestPaths.corpus.appendingPathComponent("reference/digits-mlp/\(file)/test_data_set_0").path
            let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/\(file).onnx").path
            let result = try ProgramRunner.run(
                "fleetctl",
                [
                    "push", model, "--model", "digits", "--version", version,
                    "--self-test", selfTest
                ] + token, in: dir)
            #expect(result.status == 0, "\(result.stderr)")
        }
        try push("v1", "1.0.0")
        #expect(try ProgramRunner.run("fleetctl", ["assign", "digits", "--select", "type=camera"] + token, in: dir).status == 0)

        let log = dir.appendingPathComponent("agent.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let agent = SpawnedProcess()
        agent.executableURL = ProgramRunner.binaries.appendingPathComponent("modelfleet-agent")
        agent.arguments = [
            "daemon", "--data-dir", dir.path + "/agent", "--registry", registry.baseURL,
            "--enroll-token", try registry.token("enroll.token"), "--trust", dir.path + "/publisher.pub",
            "--labels", "type=camera", "--listen", "127.0.0.1:0", "--checkin-interval", "1"
        ]
        agent.standardOutput = try FileHandle(forWritingTo: log)
        agent.standardError = agent.standardOutput
        try agent.run()
        defer {
            kill(agent.processIdentifier, SIGKILL)
            agent.waitUntilExit()
        }

        let started = Self.wait(for: "digits 1.0.0: activated", in: log)
        #expect(started.contains("self-test passed"), "\(started)")
        let api = try #require(
            started.split(separator: "\n").first { $0.contains("local API on http://") }?
                .split(separator: " ").first { $0.hasPrefix("http://") }
        ).description

        let (body, truth) = try Self.heldOutBatch()
        let http = HTTPClient()
        func accuracy() async throws -> (version: String, correct: Int) {
            let response = try await http.send(HTTPRequest(method: "POST", url: api + "/v1/models/digits/infer", body: body))
            #expect(response.status == 200, "\(response.text.prefix(300))")
            let answer = try JSONDecoder().decode(Answer.self, from: Data(response.text.utf8))
            let labels = try #require(answer.outputs.first { $0.name == "label" }?.data)
            #expect(labels.count == truth.count)
            return (answer.version, zip(labels, truth).filter { Int64($0) == $1 }.count)
        }
        // accuracy.json: sklearn and onnxruntime both get 0.9756 (439/450) with v1 and 0.98 (441/450) with v3.
        let first = try await accuracy()
        #expect(first.version == "1.0.0" && first.correct == 439)

        try push("v3", "1.1.0")
        let swapped = Self.wait(for: "digits 1.1.0: activated", in: log)
        #expect(swapped.contains("digits 1.1.0: activated"), "\(swapped)")
        let second = try await accuracy()
        #expect(second.version == "1.1.0" && second.correct == 441)
    }
}
