import InferenceEngine
import Testing

/// Row independence (which graphs keep the rows of a batch apart) and the sliced runs it allows.
@Suite struct RowIndependenceTests {
    /// A graph over `x` of shape [N, 4] (N symbolic unless `dims` says otherwise) with the given
    /// nodes; `y` is the output.
    static func model(
        _ nodes: [ONNXBuilder.Node], dims: [Int] = [-1, 4], initializers: [ONNXBuilder.Initializer] = [], outputType: Int = 1
    ) throws -> Model {
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: dims)]
        builder.nodes = nodes
        builder.initializers = initializers
        builder.outputs = [.init(name: "y", elementType: outputType, dims: nil)]
        return try Model(bytes: builder.bytes())
    }

    static func floats(_ name: String, _ dims: [Int], seed: Float = 0.5) -> ONNXBuilder.Initializer {
        let count = dims.reduce(1, *)
        return .init(name: name, dims: dims, raw: (0..<count).map { Float($0 % 7) * seed - 1 }.rawBytes)
    }

    static func ints(_ name: String, _ values: [Int]) -> ONNXBuilder.Initializer {
        let raw = values.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: Int64(value) >> (8 * $0)) } }
        return .init(name: name, dims: [values.count], dataType: 7, raw: raw)
    }

    static let mlp: [ONNXBuilder.Node] = [
        .init(op: "MatMul", inputs: ["x", "w"], outputs: ["h"]),
        .init(op: "Add", inputs: ["h", "b"], outputs: ["a"]),
        .init(op: "Relu", inputs: ["a"], outputs: ["r"]),
        .init(op: "Gemm", inputs: ["r", "w2", "c"], outputs: ["g"]),
        .init(op: "Softmax", inputs: ["g"], outputs: ["y"], attributes: [("axis", .int(-1))])
    ]
    static let mlpWeights = [floats("w", [4, 8]), floats("b", [8]), floats("w2", [8, 3], seed: 0.25), floats("c", [3])]

    @Test func anMLPKeepsRowsApart() throws {
        #expect(try Self.model(Self.mlp, initializers: Self.mlpWeights).rowsAreIndependent)
    }

    @Test func aFixedBatchHasNoRowsToSlice() throws {
        #expect(try !Self.model(Self.mlp, dims: [2, 4], initializers: Self.mlpWeights).rowsAreIndependent)
    }

    @Test func anUndeclaredShapeIsNotTrusted() throws {
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: nil)]
        builder.nodes = [.init(op: "Relu", inputs: ["x"], outputs: ["y"])]
        builder.outputs = [.init(name: "y", dims: nil)]
        #expect(try !Model(bytes: builder.bytes()).rowsAreIndependent)
    }

    /// Each case: one operator that either keeps the rows of [N, 4] apart or mixes them.
    @Test(arguments: [
        ("Softmax over axis 1", true, [ONNXBuilder.Node(op: "Softmax", inputs: ["x"], outputs: ["y"], attributes: [("axis", .int(1))])]),
        ("Softmax over the batch", false, [.init(op: "Softmax", inputs: ["x"], outputs: ["y"], attributes: [("axis", .int(0))])]),
        ("ReduceMean over axis 1", true, [.init(op: "ReduceMean", inputs: ["x"], outputs: ["y"], attributes: [("axes", .ints([1]))])]),
        ("ReduceMean over the batch", false, [.init(op: "ReduceMean", inputs: ["x"], outputs: ["y"], attributes: [("axes", .ints([0]))])]),
        ("ReduceMean over everything", false, [.init(op: "ReduceMean", inputs: ["x"], outputs: ["y"])]),
        ("Transpose keeping axis 0", true, [.init(op: "Transpose", inputs: ["x"], outputs: ["y"], attributes: [("perm", .ints([0, 1]))])]),
        ("Transpose moving axis 0", false, [.init(op: "Transpose", inputs: ["x"], outputs: ["y"], attributes: [("perm", .ints([1, 0]))])]),
        ("Concat along axis 1", true, [.init(op: "Concat", inputs: ["x", "x"], outputs: ["y"], attributes: [("axis", .int(1))])]),
        ("Concat along the batch", false, [.init(op: "Concat", inputs: ["x", "x"], outputs: ["y"], attributes: [("axis", .int(0))])]),
        (
            "x times its own transpose", false,
            [
                .init(op: "Transpose", inputs: ["x"], outputs: ["t"], attributes: [("perm", .ints([1, 0]))]),
                .init(op: "MatMul", inputs: ["x", "t"], outputs: ["y"])
            ]
        ),
        ("Gemm with A transposed", false, [.init(op: "Gemm", inputs: ["x", "x"], outputs: ["y"], attributes: [("transA", .int(1))])]),
        ("ArgMax over the batch", false, [.init(op: "ArgMax", inputs: ["x"], outputs: ["y"], attributes: [("axis", .int(0))])]),
        ("Flatten from axis 0", false, [.init(op: "Flatten", inputs: ["x"], outputs: ["y"], attributes: [("axis", .int(0))])]),
        ("Flatten from axis 1", true, [.init(op: "Flatten", inputs: ["x"], outputs: ["y"], attributes: [("axis", .int(1))])])
    ])
    func operatorRule(_ name: String, keeps: Bool, nodes: [ONNXBuilder.Node]) throws {
        let outputType = nodes.last?.op == "ArgMax" ? 7 : 1
        #expect(try Self.model(nodes, outputType: outputType).rowsAreIndependent == keeps, "\(name)")
    }

    /// Reshape keeps rows when axis 0 is copied (0) or is -1 over whole rows; not when rows merge
    /// or the target depends on the batch's size.
    @Test(arguments: [
        ([0, 2, 2], true), ([-1, 2, 2], true), ([-1, 2], false), ([-1], false), ([2, -1], false)
    ])
    func reshape(_ target: [Int], keeps: Bool) throws {
        let model = try Self.model([.init(op: "Reshape", inputs: ["x", "shape"], outputs: ["y"])], initializers: [Self.ints("shape", target)])
        #expect(model.rowsAreIndependent == keeps, "Reshape to \(target)")
    }

    /// `x.view(x.size(0), -1)` as exporters write it keeps rows; the same arithmetic on another
    /// axis, or the shape used for something else, does not.
    @Test(arguments: [(0, "Reshape", true), (1, "Reshape", false), (0, "ConstantOfShape", false)])
    func shapeArithmetic(gathering axis: Int, into consumer: String, keeps: Bool) throws {
        var nodes: [ONNXBuilder.Node] = [
            .init(op: "Shape", inputs: ["x"], outputs: ["s"]),
            .init(op: "Gather", inputs: ["s", "index"], outputs: ["n"]),
            .init(op: "Unsqueeze", inputs: ["n", "zero"], outputs: ["n1"]),
            .init(op: "Concat", inputs: ["n1", "minusOne"], outputs: ["target"], attributes: [("axis", .int(0))])
        ]
        nodes.append(
            consumer == "Reshape" ? .init(op: "Reshape", inputs: ["x", "target"], outputs: ["y"]) : .init(op: consumer, inputs: ["target"], outputs: ["y"]))
        var index = Self.ints("index", [axis])
        index.dims = []
        let model = try Self.model(nodes, initializers: [index, Self.ints("zero", [0]), Self.ints("minusOne", [-1])])
        #expect(model.rowsAreIndependent == keeps, "Shape → Gather(\(axis)) → \(consumer)")
    }

    @Test func convolutionsKeepRowsApart() throws {
        let nodes: [ONNXBuilder.Node] = [
            .init(op: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: [("pads", .ints([1, 1, 1, 1]))]),
            .init(op: "BatchNormalization", inputs: ["c", "scale", "bias", "mean", "var"], outputs: ["n"]),
            .init(op: "GlobalAveragePool", inputs: ["n"], outputs: ["p"]),
            .init(op: "Flatten", inputs: ["p"], outputs: ["y"])
        ]
        let weights = [
            Self.floats("w", [2, 1, 3, 3]), Self.floats("scale", [2]), Self.floats("bias", [2]), Self.floats("mean", [2]),
            .init(name: "var", dims: [2], raw: [Float](repeating: 1, count: 2).rawBytes)
        ]
        #expect(try Self.model(nodes, dims: [-1, 1, 4, 4], initializers: weights).rowsAreIndependent)
    }
}

@Suite struct RowSlicingTests {
    func batch(rows: Int, width: Int = 4) throws -> Tensor {
        try Tensor(shape: [rows, width], values: (0..<rows * width).map { Float(($0 * 37) % 23) / 7 - 1.5 })
    }

    /// Slices of two rows give exactly the rows a whole run gives (same kernels per row).
    @Test func slicedRunsEqualWholeRuns() throws {
        let model = try RowIndependenceTests.model(RowIndependenceTests.mlp, initializers: RowIndependenceTests.mlpWeights)
        let input = try batch(rows: 11)
        let whole = try InferenceSession(model, SessionOptions(threads: 1)).run(["x": input])
        let sliced = try InferenceSession(model, SessionOptions(threads: 1, rowSliceBytes: 2 * 4 * 4)).run(["x": input])
        #expect(sliced["y"]?.shape == [11, 3])
        #expect(sliced["y"]?.floatValues() == whole["y"]?.floatValues())
    }

    /// A model that mixes rows is run whole even when slicing is asked for: its answer must not change.
    @Test func aModelThatMixesRowsRunsWhole() throws {
        let nodes = [ONNXBuilder.Node(op: "Softmax", inputs: ["x"], outputs: ["y"], attributes: [("axis", .int(0))])]
        let model = try RowIndependenceTests.model(nodes)
        let input = try batch(rows: 9)
        let whole = try InferenceSession(model).run(["x": input])
        let asked = try InferenceSession(model, SessionOptions(rowSliceBytes: 16)).run(["x": input])
        #expect(asked["y"]?.floatValues() == whole["y"]?.floatValues())
        // Each column sums to 1 over the whole batch, which no slice could give.
        let values = try #require(asked["y"]?.floatValues())
        let firstColumn: Float = (0..<9).reduce(0) { $0 + values[$1 * 4] }
        #expect(abs(firstColumn - 1) < 1e-5)
    }

    /// A refusal names the batch's shape, not a slice's.
    @Test func refusalsNameTheWholeBatch() throws {
        let model = try RowIndependenceTests.model(RowIndependenceTests.mlp, initializers: RowIndependenceTests.mlpWeights)
        let wrong = try batch(rows: 10, width: 5)
        #expect {
            _ = try InferenceSession(model, SessionOptions(rowSliceBytes: 16)).run(["x": wrong])
        } throws: { error in
            "\(error)".contains("[10, 5]")
        }
    }

    /// Every corpus model the analysis calls row-independent gives, sliced one row at a time, the
    /// answers of a whole run of the same three-row batch (rows made different from each other).
    @Test(arguments: EngineCorpus.referenceCases())
    func corpusModelsSliceLikeTheyRunWhole(_ name: String) throws {
        let directory = EngineCorpus.path("reference/" + name)
        let model = try Model(contentsOf: directory + "/model.onnx")
        print("row independence \(name): \(model.rowsAreIndependent)")
        guard model.rowsAreIndependent else { return }
        var inputs: [String: Tensor] = [:]
        for index in model.inputs.indices {
            let (inputName, tensor) = try model.input(protobufFile: "\(directory)/test_data_set_0/input_\(index).pb", position: index)
            inputs[inputName] = try Self.threeRows(from: tensor)
        }
        let whole = try InferenceSession(model, SessionOptions(threads: 1)).runOrdered(inputs)
        let sliced = try InferenceSession(model, SessionOptions(threads: 1, rowSliceBytes: 1)).runOrdered(inputs)
        for (ours, reference) in zip(sliced, whole) {
            #expect(ours.shape == reference.shape, "\(name)")
            let difference = zip(ours.floatValues(), reference.floatValues()).map { abs($0 - $1) }.max() ?? 0
            #expect(difference <= 1e-4, "\(name): sliced and whole runs differ by \(difference)")
        }
    }

    /// The reference input (one row) three times along axis 0, floats scaled per row so that a
    /// model mixing rows would show it.
    static func threeRows(from tensor: Tensor) throws -> Tensor {
        let bytes = tensor.littleEndianBytes
        guard tensor.elementType == .float else {
            return try Tensor(
                shape: [3 * tensor.shape[0]] + tensor.shape.dropFirst(), elementType: tensor.elementType, littleEndianBytes: bytes + bytes + bytes)
        }
        let values = tensor.floatValues()
        let rows = [Float(1), 0.5, -0.75].flatMap { scale in values.map { $0 * scale } }
        return try Tensor(shape: [3 * tensor.shape[0]] + tensor.shape.dropFirst(), values: rows)
    }
}
