import Foundation
import InferenceEngine
import Testing

/// `modelfleet-agent run` and `inspect`, as a user runs them on a model file.
@Suite struct AgentEngineCommandTests {
    static let reference = TestPaths.corpus.appendingPathComponent("reference/rapidocr-onnxruntime-1.2.13/ch_ppocr_mobile_v2.0_cls_infer").path

    /// The outputs `run --output-dir` writes are onnxruntime's, within the reference tolerance.
    @Test func runWritesOutputsThatMatchOnnxRuntime() throws {
        let out = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try ProgramRunner.run(
            "modelfleet-agent",
            [
                "run", Self.reference + "/model.onnx", "--input", "x=" + Self.reference + "/test_data_set_0/input_0.pb",
                "--output-dir", out.path
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("save_infer_model/scale_0.tmp_1: float32 [1, 2] ["), "\(result.stdout)")
        #expect(result.stdout.contains("load_ms=") && result.stdout.contains("peak_rss_bytes="))
        let ours = try Tensor.load(protobufFile: out.path + "/output_0.pb")
        let expected = try Tensor.load(protobufFile: Self.reference + "/test_data_set_0/output_0.pb").tensor
        #expect(ours.name == "save_infer_model/scale_0.tmp_1")
        if case .failure(let mismatch) = BackendTestCase.compare(ours.tensor, expected, rtol: 1e-3, atol: 1e-4) {
            Issue.record("output differs from onnxruntime: \(mismatch.reason)")
        }
    }

    @Test func inspectDescribesTheModel() throws {
        let result = try ProgramRunner.run("modelfleet-agent", ["inspect", Self.reference + "/model.onnx"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("input  x: float32 [?,3,?,?]"), "\(result.stdout)")
        #expect(result.stdout.contains("parameters: 0") == false, "weights in Constant nodes count as parameters")
        #expect(result.stdout.contains("opsets: ai.onnx 11"))
        #expect(result.stdout.contains("runs this model"))
    }

    /// Bad files and bad inputs end with a one-line reason and a non-zero status.
    @Test func badModelsAndInputsAreExplained() throws {
        let scratch = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let truncated = scratch.appendingPathComponent("truncated.onnx")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.reference + "/model.onnx"))
        try bytes.prefix(5000).write(to: truncated)

        let broken = try ProgramRunner.run("modelfleet-agent", ["run", truncated.path])
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("Error: malformed ONNX file at byte"), "\(broken.stderr)")

        let wrongInput = try ProgramRunner.run(
            "modelfleet-agent",
            [
                "run", Self.reference + "/model.onnx", "--input", "y=" + Self.reference + "/test_data_set_0/input_0.pb"
            ])
        #expect(wrongInput.status != 0)
        #expect(wrongInput.stderr.contains("Error: invalid input: unknown input 'y'; the model's inputs are x"), "\(wrongInput.stderr)")
    }
}
