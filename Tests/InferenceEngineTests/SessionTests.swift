import InferenceEngine
import Testing

@Suite struct SessionTests {
    /// One session, many tasks at once: every concurrent result equals the serial one.
    @Test func concurrentRunsMatchSerialRuns() async throws {
        let session = InferenceSession(try Model(contentsOf: EngineCorpus.path("models/digits-mlp/v1.onnx")))
        let inputs = try (0..<16).map { seed in
            try Tensor(shape: [4, 64], values: (0..<256).map { Float(($0 * 7 + seed * 13) % 17) / 16 })
        }
        let serial = try inputs.map { try session.run(["input": $0])["probabilities"]?.floatValues() ?? [] }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask { (index, try session.run(["input": input])["probabilities"]?.floatValues() ?? []) }
            }
            var results = [[Float]](repeating: [], count: inputs.count)
            for try await (index, values) in group { results[index] = values }
            return results
        }
        #expect(concurrent == serial)
        #expect(serial.allSatisfy { $0.count == 40 })
    }

    @Test func tensorFilesRoundTrip() throws {
        let tensor = try Tensor(shape: [2, 3], values: [Float](arrayLiteral: 1, -2, 3.5, 0, 1e-9, 7))
        let (name, decoded) = try Tensor.decode(protobuf: tensor.protobufBytes(name: "x"))
        #expect(name == "x")
        #expect(decoded.shape == [2, 3] && decoded.elementType == .float)
        #expect(try decoded.values(as: Float.self) == tensor.values(as: Float.self))
    }

    @Test func inspectionDescribesTheModel() throws {
        let summary = try ModelSummary(contentsOf: EngineCorpus.path("models/digits-mlp/v1.onnx"))
        #expect(summary.inputs.map(\.description) == ["input: float32 [?,64]"])
        #expect(summary.outputs.map(\.name) == ["label", "probabilities"])
        #expect(summary.operatorHistogram["MatMul"] == 3)
        // coefficient 64×256, intercepts 256, coefficient1 256×128, intercepts1 128, coefficient2 128×10,
        // intercepts2 10, classes 10, shape_tensor 1 (counted with onnx in Python).
        #expect(summary.parameterCount == 64 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10 + 10 + 1)
    }
}

@Suite struct GraphCompilerTests {
    func model(inputDims: [Int]?) throws -> Model {
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: inputDims)]
        builder.nodes = [
            .init(op: "Relu", inputs: ["x"], outputs: ["r"]),
            .init(op: "Shape", inputs: ["r"], outputs: ["s"]),
            .init(op: "Sigmoid", inputs: ["x"], outputs: ["unused"])
        ]
        builder.outputs = [.init(name: "r", dims: nil), .init(name: "s", elementType: 7, dims: [2])]
        return try Model(bytes: builder.bytes())
    }

    /// With static input dimensions `Shape` is answered at load; the dead Sigmoid never runs.
    @Test func staticShapesFoldAndDeadNodesDrop() throws {
        let folded = try model(inputDims: [2, 3])
        #expect(folded.executedNodeCount == 1)
        let outputs = try InferenceSession(folded).run(["x": Tensor(shape: [2, 3], values: [Float](repeating: -1, count: 6))])
        #expect(try outputs["s"]?.values(as: Int64.self) == [2, 3])

        let dynamic = try model(inputDims: nil)
        #expect(dynamic.executedNodeCount == 2)
        let answer = try InferenceSession(dynamic).run(["x": Tensor(shape: [4, 1], values: [Float](repeating: 1, count: 4))])
        #expect(try answer["s"]?.values(as: Int64.self) == [4, 1])
        #expect(answer["r"]?.floatValues() == [1, 1, 1, 1])
    }
}
