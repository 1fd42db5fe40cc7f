import Foundation
import Testing

@Suite struct FleetctlTests {
    @Test func keysGenerateWritesAPrivateKeyOnlyTheOwnerCanRead() throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try ProgramRunner.run("fleetctl", ["keys", "generate", "--out", "publisher.key"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let privateMode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("publisher.key").path)[.posixPermissions] as? Int
        #expect(privateMode == 0o600)
        let publicText = try String(contentsOf: dir.appendingPathComponent("publisher.pub"), encoding: .utf8)
        #expect(publicText.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))

        let id = try ProgramRunner.run("fleetctl", ["keys", "id", "publisher.pub"], in: dir)
        #expect(result.stdout.contains("key id:      \(id.stdout.trimmingCharacters(in: .whitespacesAndNewlines))"))

        // A second generate must not silently destroy the key that signs existing releases.
        let again = try ProgramRunner.run("fleetctl", ["keys", "generate", "--out", "publisher.key"], in: dir)
        #expect(again.status != 0)
        #expect(again.stderr.contains("publisher.key already exists; pass --force to replace it"))
        #expect(try String(contentsOf: dir.appendingPathComponent("publisher.pub"), encoding: .utf8) == publicText)
    }

    @Test func signedManifestVerifiesAndCatchesAWrongFile() throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx")
        let vectors = TestPaths.corpus.appendingPathComponent("reference/digits-mlp/v1/test_data_set_0")
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        let made = try ProgramRunner.run(
            "fleetctl",
            [
                "manifest", model.path, "--model", "digits-mlp", "--version", "1.0.0", "--variant", "fp32",
                "--self-test", vectors.path, "--out", "manifest.json"
            ], in: dir)
        #expect(made.status == 0, "\(made.stderr)")

        let files = dir.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: files.appendingPathComponent("self-test"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: model, to: files.appendingPathComponent("v1.onnx"))
        for name in try FileManager.default.contentsOfDirectory(atPath: vectors.path) {
            try FileManager.default.copyItem(at: vectors.appendingPathComponent(name), to: files.appendingPathComponent("self-test/\(name)"))
        }
        let ok = try ProgramRunner.run("fleetctl", ["verify", "manifest.json", "--trust", "publisher.pub", "--files", "files"], in: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("digits-mlp 1.0.0 (fp32), signed by ed25519:"))
        #expect(ok.stdout.contains("ok  v1.onnx  204594 bytes"))

        // The v3 model in v1's place: same size, different bytes.
        try FileManager.default.removeItem(at: files.appendingPathComponent("v1.onnx"))
        try FileManager.default.copyItem(at: TestPaths.corpus.appendingPathComponent("models/digits-mlp/v3.onnx"), to: files.appendingPathComponent("v1.onnx"))
        let wrong = try ProgramRunner.run("fleetctl", ["verify", "manifest.json", "--trust", "publisher.pub", "--files", "files"], in: dir)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("digest mismatch for files/v1.onnx"))

        // A key the manifest was not signed with.
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate", "--out", "other.key"], in: dir).status == 0)
        let untrusted = try ProgramRunner.run("fleetctl", ["verify", "manifest.json", "--trust", "other.pub"], in: dir)
        #expect(untrusted.status != 0)
        #expect(untrusted.stderr.contains("untrusted manifest: publisher key ed25519:"))
    }

    @Test func chunkReportsSizesAsJSON() throws {
        let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx")
        let result = try ProgramRunner.run("fleetctl", ["chunk", model.path, "--codec", "zlib:6", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(report?["size"] as? Int == 204_594)
        #expect(report?["mode"] as? String == "tensor-aware")
        #expect((report?["storedSize"] as? Int ?? .max) < 204_594)
    }

    @Test func malformedModelGivesAClearErrorAndExitCode() throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("not a model".utf8).write(to: dir.appendingPathComponent("broken.onnx"))
        let result = try ProgramRunner.run("fleetctl", ["chunk", "broken.onnx"], in: dir)
        #expect(result.status != 0)
        #expect(result.stderr.contains("malformed ONNX file broken.onnx at byte"))
    }
}
