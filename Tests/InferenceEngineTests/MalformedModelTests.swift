import FleetCore
import Foundation
import InferenceEngine
import Testing

/// Broken files and bad inputs get a thrown error with a message, never a crash.
@Suite struct MalformedModelTests {
    static let digits = EngineCorpus.path("models/digits-mlp/v1.onnx")

    func fileBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func everyTruncationOfARealModelIsRefused() throws {
        let bytes = try fileBytes(Self.digits)
        var refused = 0
        for length in stride(from: 0, to: bytes.count, by: 397) {
            #expect(throws: EngineError.self, "prefix of \(length) bytes") { _ = try Model(bytes: bytes.prefix(length)) }
            refused += 1
        }
        #expect(refused > 500)
        // The message says where the file broke.
        do {
            _ = try Model(bytes: bytes.prefix(1000))
            Issue.record("a 1000-byte prefix loaded")
        } catch {
            #expect(error.description.contains("malformed ONNX file at byte"), "\(error)")
        }
    }

    @Test func randomBytesAreRefused() {
        // Seeded: a byte string that loads or crashes does so on every run, so the failure reproduces.
        var generator = SeededRandom(seed: 3)
        for size in [0, 1, 7, 64, 1000, 100_000] {
            for _ in 0..<20 {
                let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
                #expect(throws: EngineError.self) { _ = try Model(bytes: bytes) }
            }
        }
    }

    /// Flipped bytes inside a real model: whatever still parses must load or fail cleanly, and run or fail cleanly.
    @Test func corruptedBytesNeverCrash() throws {
        let original = try fileBytes(Self.digits)
        let input = try Tensor(shape: [1, 64], values: [Float](repeating: 0.5, count: 64))
        var generator = SeededRandom(seed: 7)
        var loaded = 0
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<3 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            guard let model = try? Model(bytes: bytes) else { continue }
            loaded += 1
            _ = try? InferenceSession(model).run(["input": input])
        }
        #expect(loaded > 0, "some corruptions hit only weights and still load")
    }

    @Test func tensorWithWrongLengthIsRefusedWithItsName() {
        var builder = ONNXBuilder()
        builder.initializers = [.init(name: "w", dims: [2, 2], raw: [Float](repeating: 1, count: 3).rawBytes)]
        builder.inputs = [.init(name: "x", dims: [2, 2])]
        builder.nodes = [.init(op: "Add", inputs: ["x", "w"], outputs: ["y"])]
        builder.outputs = [.init(name: "y", dims: [2, 2])]
        #expect { _ = try Model(bytes: builder.bytes()) } throws: { error in
            "\(error)" == "invalid ONNX model: initializer 'w' holds 12 bytes of raw data; float32 [2, 2] needs 16"
        }
    }

    @Test func cyclicGraphIsRefused() {
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: [1])]
        builder.nodes = [
            .init(op: "Add", inputs: ["x", "b"], outputs: ["a"], name: "first"),
            .init(op: "Relu", inputs: ["a"], outputs: ["b"], name: "second")
        ]
        builder.outputs = [.init(name: "b", dims: [1])]
        #expect { _ = try Model(bytes: builder.bytes()) } throws: { error in
            "\(error)".contains("cycle through nodes 'first', 'second'")
        }
    }

    @Test func danglingInputAndUnknownOperatorAreNamed() {
        var dangling = ONNXBuilder()
        dangling.inputs = [.init(name: "x", dims: [1])]
        dangling.nodes = [.init(op: "Add", inputs: ["x", "ghost"], outputs: ["y"], name: "adder")]
        dangling.outputs = [.init(name: "y", dims: [1])]
        #expect { _ = try Model(bytes: dangling.bytes()) } throws: { error in
            "\(error)".contains("node 'adder' (Add) reads 'ghost'")
        }

        var unknown = ONNXBuilder()
        unknown.inputs = [.init(name: "x", dims: [1])]
        unknown.nodes = [.init(op: "FrobnicateV2", inputs: ["x"], outputs: ["y"], name: "mystery")]
        unknown.outputs = [.init(name: "y", dims: [1])]
        #expect { _ = try Model(bytes: unknown.bytes()) } throws: { error in
            error as? EngineError == .unsupportedOperator(op: "FrobnicateV2", domain: "", opset: 17, node: "mystery")
        }
    }

    @Test func badRunInputsAreExplained() throws {
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "a", dims: nil), .init(name: "b", dims: [2, 3])]
        builder.nodes = [.init(op: "Add", inputs: ["a", "b"], outputs: ["y"], name: "sum")]
        builder.outputs = [.init(name: "y", dims: nil)]
        let session = InferenceSession(try Model(bytes: builder.bytes()))
        let good = try Tensor(shape: [2, 3], values: [Float](repeating: 1, count: 6))

        func message(_ inputs: [String: Tensor]) -> String {
            do {
                _ = try session.run(inputs)
                return "no error"
            } catch { return error.description }
        }
        #expect(message(["a": good, "b": good, "c": good]) == "invalid input: unknown input 'c'; the model's inputs are a, b")
        #expect(message(["a": good]) == "invalid input: missing input 'b'")
        #expect(
            message(["a": good, "b": try Tensor(shape: [2, 3], values: [Int64](repeating: 1, count: 6))])
                == "invalid input: input 'b' must be float32, got int64")
        #expect(
            message(["a": good, "b": try Tensor(shape: [6], values: [Float](repeating: 1, count: 6))])
                == "invalid input: input 'b' must have rank 2, got shape [6]")
        #expect(
            message(["a": try Tensor(shape: [4], values: [Float](repeating: 1, count: 4)), "b": good])
                == "Add node 'sum' failed: shapes [4] and [2, 3] do not broadcast")
        #expect(try session.run(["a": good, "b": good])["y"]?.floatValues() == [Float](repeating: 2, count: 6))
    }

    @Test func missingFileIsAnIOError() {
        #expect { _ = try Model(contentsOf: "/nonexistent/model.onnx") } throws: { error in
            "\(error)".hasPrefix("cannot open /nonexistent/model.onnx")
        }
    }
}
