import Foundation
import InferenceEngine
import Testing

/// digits-mlp on its 450 held-out samples gives the accuracy recorded in accuracy.json, for each version.
@Suite struct DigitsAccuracyTests {
    @Test(arguments: ["v1", "v2", "v3"])
    func reproducesRecordedAccuracy(_ version: String) throws {
        let folder = EngineCorpus.path("models/digits-mlp")
        let x = try NumpyFile(path: folder + "/X_test.npy")
        let y = try NumpyFile(path: folder + "/y_test.npy")
        #expect(x.descr == "<f4" && y.descr == "<i8")
        let session = InferenceSession(try Model(contentsOf: folder + "/\(version).onnx"))
        let outputs = try session.run(["input": Tensor(shape: x.shape, values: x.floats())])
        let labels = try #require(outputs["label"]).values(as: Int64.self)
        let truth = y.int64s()
        #expect(labels.count == truth.count)
        let correct = zip(labels, truth).filter { $0 == $1 }.count
        let accuracy = Double(correct) / Double(truth.count)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/accuracy.json"))) as? [String: Any]
        let recorded = try #require(((json?["versions"] as? [String: Any])?[version] as? [String: Any])?["onnxruntime_test_accuracy"] as? Double)
        print("digits-mlp \(version): \(correct)/\(truth.count) correct = \(accuracy), recorded \(recorded)")
        // accuracy.json rounds to 4 decimals.
        #expect((accuracy * 10_000).rounded() / 10_000 == recorded)
    }
}
