import InferenceEngine
import Testing

/// The loader keeps little of a file beyond its weights: value names stay byte ranges in the file,
/// attributes are decoded again when their node is compiled, and constants are let go once their
/// last reader is compiled. These tests pin what that economy must not cost.
@Suite struct LoaderTests {
    /// More value names than the name table's first size, each resolved to its own value.
    @Test func longChainsResolveEveryName() throws {
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: [3])]
        var previous = "x"
        for index in 0..<151 {
            let output = "a_value_name_longer_than_sixteen_bytes_\(index)"
            builder.nodes.append(.init(op: "Neg", inputs: [previous], outputs: [output]))
            previous = output
        }
        builder.outputs = [.init(name: previous, dims: [3])]
        let model = try Model(bytes: builder.bytes())
        #expect(model.executedNodeCount == 151)
        let outputs = try InferenceSession(model).run(["x": Tensor(shape: [3], values: [1, -2, 3] as [Float])])
        #expect(outputs[previous]?.floatValues() == [-1, 2, -3])
    }

    /// An initializer written before the nodes: its name is first met inside its own tensor
    /// message, whose last header bytes an aligning weight slide overwrites. Errors raised after the
    /// slide still name it. The four name lengths put the payload at every offset modulo 4, so one
    /// of them slides by three bytes, into the name.
    @Test func initializerNamesSurviveWeightSlides() {
        for name in ["w", "wx", "wxy", "wxyz"] {
            var builder = ONNXBuilder()
            builder.initializersFirst = true
            builder.initializers = [.init(name: name, dims: [3], raw: [Float]([1, 2, 3]).rawBytes)]
            builder.inputs = [.init(name: "x", dims: [3])]
            builder.nodes = [.init(op: "Relu", inputs: ["x"], outputs: [name], name: "clobber")]
            builder.outputs = [.init(name: name, dims: [3])]
            #expect { _ = try Model(bytes: builder.bytes()) } throws: { error in
                "\(error)" == "invalid ONNX model: value '\(name)' is produced more than once (node 'clobber')"
            }
        }
    }

    /// Parse still checks every attribute, so a broken one fails the load even on a node no output
    /// needs (which is never compiled, so its attributes are never decoded again).
    @Test func brokenAttributeOnAnUnusedNodeFailsTheLoad() {
        var builder = ONNXBuilder()
        builder.inputs = [.init(name: "x", dims: [2])]
        builder.nodes = [
            .init(op: "Relu", inputs: ["x"], outputs: ["y"]),
            .init(op: "Relu", inputs: ["x"], outputs: ["unused"], attributes: [("broken", .typeCode(99))])
        ]
        builder.outputs = [.init(name: "y", dims: [2])]
        #expect { _ = try Model(bytes: builder.bytes()) } throws: { error in
            "\(error)".contains("unknown attribute type 99")
        }
    }

    /// A constant read by a node fused away (a BatchNormalization folded into its Conv) and by a
    /// step that runs stays there for the step, whichever of the two is compiled first.
    @Test func constantSharedByAFusedNodeAndAStepIsKept() throws {
        for addFirst in [false, true] {
            var builder = ONNXBuilder()
            builder.inputs = [.init(name: "x", dims: [1, 2, 1, 1]), .init(name: "v", dims: [2])]
            builder.initializers = [
                .init(name: "W", dims: [2, 2, 1, 1], raw: [Float]([1, 0, 0, 1]).rawBytes),
                .init(name: "scale", dims: [2], raw: [Float]([2, 3]).rawBytes),
                .init(name: "bias", dims: [2], raw: [Float]([0.5, -0.5]).rawBytes),
                .init(name: "mean", dims: [2], raw: [Float]([0, 0]).rawBytes),
                .init(name: "var", dims: [2], raw: [Float]([1, 1]).rawBytes)
            ]
            let conv = ONNXBuilder.Node(op: "Conv", inputs: ["x", "W"], outputs: ["c"])
            let norm = ONNXBuilder.Node(
                op: "BatchNormalization", inputs: ["c", "scale", "bias", "mean", "var"], outputs: ["y"],
                attributes: [("epsilon", .float(0))])
            let add = ONNXBuilder.Node(op: "Add", inputs: ["v", "scale"], outputs: ["z"])
            builder.nodes = addFirst ? [add, conv, norm] : [conv, norm, add]
            builder.outputs = [.init(name: "y", dims: [1, 2, 1, 1]), .init(name: "z", dims: [2])]
            let model = try Model(bytes: builder.bytes())
            #expect(model.executedNodeCount == 2, "Conv and BatchNormalization run as one step")
            let outputs = try InferenceSession(model).run([
                "x": Tensor(shape: [1, 2, 1, 1], values: [1, 2] as [Float]), "v": Tensor(shape: [2], values: [10, 20] as [Float])
            ])
            #expect(outputs["y"]?.floatValues() == [2.5, 5.5])
            #expect(outputs["z"]?.floatValues() == [12, 23])
        }
    }

    /// Weights written as packed `float_data` (how PaddlePaddle exports every weight) read like raw
    /// data; a tensor carrying both reads its raw data, in either field order; packed floats do not
    /// stand in for another type's field.
    @Test func packedFloatDataReadsLikeRawData() throws {
        func packed(_ field: UInt8, _ values: [Float]) -> [UInt8] {
            let bytes = values.rawBytes
            return [field << 3 | 2, UInt8(bytes.count)] + bytes
        }
        let header: [UInt8] = [0x08, 3, 0x10, 1]
        let floatsOnly = try Tensor.decode(protobuf: header + packed(4, [1.5, -2, 3])).tensor
        #expect(floatsOnly.floatValues() == [1.5, -2, 3])
        let floatsThenRaw = try Tensor.decode(protobuf: header + packed(4, [9, 9, 9]) + packed(9, [1, 2, 3])).tensor
        #expect(floatsThenRaw.floatValues() == [1, 2, 3])
        let rawThenFloats = try Tensor.decode(protobuf: header + packed(9, [1, 2, 3]) + packed(4, [9, 9, 9])).tensor
        #expect(rawThenFloats.floatValues() == [1, 2, 3])
        #expect { _ = try Tensor.decode(protobuf: [0x08, 3, 0x10, 6] + packed(4, [1, 2, 3])) } throws: { error in
            "\(error)" == "invalid ONNX model: tensor has 0 values in int32_data; int32 [3] needs 3"
        }
    }
}
