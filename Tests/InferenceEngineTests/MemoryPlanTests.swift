import InferenceEngine
import Testing

/// Runs that follow a memory plan (every run after the first with the same input shapes) give
/// bit-for-bit the first run's outputs and take no tensor buffers from the allocator besides
/// their outputs (and, once, the arena); runs whose shapes depend on data leave the plan and
/// stay correct.
@Suite struct MemoryPlanTests {
    @Test(arguments: EngineCorpus.referenceCases())
    func plannedRunsRepeatTheRecordedRun(_ name: String) throws {
        let directory = EngineCorpus.path("reference/" + name)
        let model = try Model(contentsOf: directory + "/model.onnx")
        var feeds: [String: Tensor] = [:]
        for position in 0..<model.inputs.count {
            let path = directory + "/test_data_set_0/input_\(position).pb"
            guard let (name, tensor) = try? model.input(protobufFile: path, position: position) else { continue }
            feeds[name] = tensor
        }
        let session = InferenceSession(model, SessionOptions(threads: 2))
        let recorded = try session.runOrdered(feeds)
        let recordingAllocations = session.lastRunFreshAllocations
        for run in 2...4 {
            let planned = try session.runOrdered(feeds)
            #expect(planned.map(Self.bits) == recorded.map(Self.bits), "\(name): run \(run) differs from the first")
            // The first planned run also allocates the arena.
            let allowed = recorded.count + (run == 2 ? 1 : 0)
            #expect(
                session.lastRunFreshAllocations <= allowed,
                "\(name): run \(run) allocated \(session.lastRunFreshAllocations) buffers for \(recorded.count) outputs")
        }
        print("memory plan \(name): first run \(recordingAllocations) buffers, planned runs \(session.lastRunFreshAllocations)")
    }

    /// The recording run of a model with intermediates does allocate (so the count above measures
    /// something).
    @Test func theRecordingRunAllocatesItsIntermediates() throws {
        let session = InferenceSession(try Self.nonZeroModel(), SessionOptions(threads: 1))
        _ = try session.runOrdered(["x": try Tensor(shape: [8], values: [Float](repeating: 1, count: 8))])
        #expect(session.lastRunFreshAllocations > 1)
    }

    /// NonZero's output size depends on the values: the same input shape with more nonzero values
    /// allocates differently from the recorded run, and the run must notice and stay correct.
    @Test func dataDependentShapesLeaveThePlanAndStayCorrect() throws {
        let session = InferenceSession(try Self.nonZeroModel(), SessionOptions(threads: 1))
        let inputs: [[Float]] = [
            [0, 1, 0, 2, 0, 0, 3, 0], [0, 1, 0, 2, 0, 0, 3, 0], [5, 1, 4, 2, 0, 7, 3, 0],
            [0, 0, 0, 0, 0, 0, 0, 9], [5, 1, 4, 2, 6, 7, 3, 8], [0, 1, 0, 2, 0, 0, 3, 0]
        ]
        for values in inputs {
            let output = try session.runOrdered(["x": try Tensor(shape: [8], values: values)])[0]
            // (index + index) * 3 for each nonzero position, computed here independently.
            let expected = values.indices.filter { values[$0] != 0 }.map { Float($0 * 2 * 3) }
            #expect(output.shape == [1, expected.count])
            #expect(output.floatValues() == expected, "input \(values)")
        }
    }

    /// An int8 product whose B is computed in the run (DynamicQuantizeLinear -> MatMulInteger): B
    /// lives in the arena on planned runs, and nothing may hold on to it (a cache of packed
    /// weights did, which made every later run stray from the plan).
    @Test func computedIntegerOperandsKeepRunsOnThePlan() throws {
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "a", elementType: 2, dims: [8, 64]), .init(name: "x", dims: [64, 32])]
        // After the product, the float copy of y fits in the bytes B had: the plan puts it there.
        builder.nodes = [
            .init(op: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["b", "scale", "zero"]),
            .init(op: "MatMulInteger", inputs: ["a", "b", "", "zero"], outputs: ["y"]),
            .init(op: "Cast", inputs: ["y"], outputs: ["floats"], attributes: [("to", .int(1))]),
            .init(op: "Add", inputs: ["floats", "floats"], outputs: ["doubled"])
        ]
        builder.outputs = [.init(name: "doubled", dims: nil)]
        let session = InferenceSession(try Model(bytes: builder.bytes()), SessionOptions(threads: 1))
        let a = try Tensor(shape: [8, 64], values: (0..<512).map { UInt8($0 % 251) })
        let x = try Tensor(shape: [64, 32], values: (0..<2048).map { Float($0 % 97) / 10 - 4 })
        let first = try session.runOrdered(["a": a, "x": x])[0].floatValues()
        for run in 2...4 {
            let again = try session.runOrdered(["a": a, "x": x])[0].floatValues()
            #expect(again == first, "run \(run) differs")
            if run > 2 { #expect(session.lastRunFreshAllocations <= 1, "run \(run) allocated \(session.lastRunFreshAllocations) buffers") }
        }
    }

    /// x -> NonZero -> Cast(float) -> Add(itself) -> Mul(3): intermediates whose sizes follow the data.
    static func nonZeroModel() throws -> Model {
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: [8])]
        builder.initializers = [.init(name: "three", dims: [], raw: [Float(3)].rawBytes)]
        builder.nodes = [
            .init(op: "NonZero", inputs: ["x"], outputs: ["indices"]),
            .init(op: "Cast", inputs: ["indices"], outputs: ["floats"], attributes: [("to", .int(1))]),
            .init(op: "Add", inputs: ["floats", "floats"], outputs: ["doubled"]),
            .init(op: "Mul", inputs: ["doubled", "three"], outputs: ["y"])
        ]
        builder.outputs = [.init(name: "y", dims: nil)]
        return try Model(bytes: builder.bytes())
    }

    static func bits(_ tensor: Tensor) -> [UInt32] { tensor.floatValues().map(\.bitPattern) }
}
