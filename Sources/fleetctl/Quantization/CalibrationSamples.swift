import ArgumentParser
import Foundation
import InferenceEngine

/// Input samples for calibration and for measuring a quantized model against its float source: a folder of
/// `input_N.pb` TensorProto files (one sample), or a folder of such folders (`test_data_set_0`, `sample_1`, … one
/// sample each, in name order), the ONNX backend-test layout.
enum CalibrationSamples {
    static func load(folder: String, for model: Model) throws -> [[String: Tensor]] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        if !SelfTestVectors.numbered("input_", in: names).isEmpty { return [try sample(folder, model)] }
        let folders = names.filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder) && isFolder.boolValue
        }
        let samples = try folders.map { try sample(folder + "/" + $0, model) }.filter { !$0.isEmpty }
        guard !samples.isEmpty else {
            throw ValidationError("\(folder) holds no input_N.pb files, neither itself nor in a folder below it")
        }
        return samples
    }

    /// One folder's inputs, by the model's input names (a file's stored name wins, else its position).
    private static func sample(_ folder: String, _ model: Model) throws -> [String: Tensor] {
        let files = SelfTestVectors.numbered("input_", in: try FileManager.default.contentsOfDirectory(atPath: folder))
        var sample: [String: Tensor] = [:]
        for (position, file) in files.enumerated() {
            let (name, tensor) = try model.input(protobufFile: folder + "/" + file, position: position)
            sample[name] = tensor
        }
        return sample
    }
}
