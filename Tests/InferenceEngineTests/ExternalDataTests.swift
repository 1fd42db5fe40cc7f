import Foundation
import InferenceEngine
import Testing

/// Weights kept beside the model (`data_location: EXTERNAL`), as large exports store them.
@Suite struct ExternalDataTests {
    func write(weightsAt location: String, in directory: URL) throws -> String {
        var builder = ONNXBuilder()
        builder.initializers = [.init(name: "w", dims: [2, 2], raw: [], external: (location, 8, 16))]
        builder.inputs = [.init(name: "x", dims: [2, 2])]
        builder.nodes = [.init(op: "Add", inputs: ["x", "w"], outputs: ["y"])]
        builder.outputs = [.init(name: "y", dims: [2, 2])]
        let path = directory.appendingPathComponent("model.onnx").path
        try Data(builder.bytes()).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func externalWeightsAreReadFromBesideTheModel() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("external-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // 8 bytes of padding, then the four weights: the offset must be honoured.
        try Data([UInt8](repeating: 0xFF, count: 8) + [Float](arrayLiteral: 1, 2, 3, 4).rawBytes)
            .write(to: directory.appendingPathComponent("weights.bin"))
        let session = InferenceSession(try Model(contentsOf: try write(weightsAt: "weights.bin", in: directory)))
        let y = try session.run(["x": Tensor(shape: [2, 2], values: [Float](repeating: 10, count: 4))])["y"]
        #expect(y?.floatValues() == [11, 12, 13, 14])
    }

    @Test func externalDataOutsideTheModelDirectoryIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("external-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for location in ["../weights.bin", "/etc/passwd"] {
            #expect { _ = try Model(contentsOf: try write(weightsAt: location, in: directory)) } throws: { error in
                "\(error)" == "invalid ONNX model: initializer 'w' has an external data location outside the model's directory"
            }
        }
        // Missing file: an I/O error naming it.
        #expect { _ = try Model(contentsOf: try write(weightsAt: "missing.bin", in: directory)) } throws: { error in
            "\(error)".hasPrefix("cannot open external data \(directory.path)/missing.bin for initializer 'w'")
        }
    }
}
