import Foundation
import Testing

@testable import FleetCore

@Suite struct TensorAwareChunkingTests {
    let chunker = Chunker()

    /// Tensors present in both files (by name) whose bytes differ, and their payload size in `new`.
    func changedTensorBytes(old: String, new: String) throws -> UInt64 {
        let oldFile = try ReadOnlyFile(path: old)
        let newFile = try ReadOnlyFile(path: new)
        let oldLayout = try ONNXTensorLayout(file: oldFile)
        let newLayout = try ONNXTensorLayout(file: newFile)
        var oldBytes: [String: [UInt8]] = [:]
        for extent in oldLayout.extents {
            oldBytes[extent.name] = try oldFile.read(count: Int(extent.length), at: extent.offset)
        }
        var changed: UInt64 = 0
        for extent in newLayout.extents where try oldBytes[extent.name] != newFile.read(count: Int(extent.length), at: extent.offset) {
            changed += extent.length
        }
        return changed
    }

    func unsharedBytes(old: String, new: String, mode: Chunker.Mode) throws -> Int {
        let oldChunks = Set(try chunker.chunkFile(at: old, mode: mode).chunks.map(\.digest))
        return try chunker.chunkFile(at: new, mode: mode).chunks.filter { !oldChunks.contains($0.digest) }.reduce(0) { $0 + $1.length }
    }

    @Test func findsEveryTensorOfTheDigitsModel() throws {
        // onnx's own parser counts 8 tensors (3 weight matrices, 3 biases, the class labels and a reshape
        // shape). MLP(256,128) on 64
        // features with 10 classes has 64·256 + 256 + 256·128 + 128 + 128·10 + 10 = 50,826 float weights.
        let layout = try ONNXTensorLayout(contentsOf: Corpus.path("models/digits-mlp/v1.onnx"))
        #expect(layout.extents.count == 8)
        let weights = layout.extents.filter { $0.name.hasPrefix("coefficient") || $0.name.hasPrefix("intercepts") }
        #expect(weights.allSatisfy { $0.elementWidth == 4 })
        #expect(weights.reduce(0) { $0 + $1.length } == 50_826 * 4)
        #expect(layout.extents.allSatisfy { !$0.name.isEmpty })
    }

    @Test func onlyTheChangedOutputLayerIsNewBetweenV1AndV3() throws {
        let v1 = Corpus.path("models/digits-mlp/v1.onnx")
        let v3 = Corpus.path("models/digits-mlp/v3.onnx")
        let changed = try changedTensorBytes(old: v1, new: v3)
        let unshared = try unsharedBytes(old: v1, new: v3, mode: .tensorAware)
        #expect(changed > 0)
        #expect(unshared <= 2 * Int(changed), "unshared \(unshared) bytes vs \(changed) bytes of changed tensors")
        // Without tensor awareness the 200 KB file is one or two chunks, all of which change.
        #expect(try unsharedBytes(old: v1, new: v3, mode: .plain) > 4 * Int(changed))
    }

    @Test func unchangedTensorsKeepTheirChunksWhenTheGraphAroundThemGrows() throws {
        // Prepend a producer_name field (ModelProto field 2): a valid model whose every tensor moved by 1 KB.
        let model = Corpus.path("models/rapidocr-onnxruntime-1.2.13/ch_ppocr_mobile_v2.0_cls_infer.onnx")
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: model)))
        let name = [UInt8](repeating: UInt8(ascii: "x"), count: 1000)
        let edited = [0x12, 0xe8, 0x07] + name + original  // tag (2, length-delimited), varint 1000
        let scratch = try ScratchDirectory()
        let editedPath = try scratch.write(edited, to: "moved.onnx")

        let before = Set(try chunker.chunkFile(at: model, mode: .tensorAware).chunks.map(\.digest))
        let after = try chunker.chunkFile(at: editedPath, mode: .tensorAware).chunks
        let layout = try ONNXTensorLayout(contentsOf: editedPath)
        let bigTensors = layout.extents.filter { $0.length >= chunker.minimumTensorBytes }
        #expect(!bigTensors.isEmpty)
        for chunk in after {
            let insideBigTensor = bigTensors.contains { chunk.offset >= $0.offset && chunk.offset + UInt64(chunk.length) <= $0.offset + $0.length }
            if insideBigTensor { #expect(before.contains(chunk.digest), "tensor chunk at \(chunk.offset) changed") }
        }
    }

    @Test func everyCorpusModelParses() throws {
        let models = try Corpus.models()
        #expect(models.count >= 8)
        for model in models {
            let layout = try ONNXTensorLayout(contentsOf: model)
            let size = try ReadOnlyFile(path: model).size
            #expect(!layout.extents.isEmpty, "\(model)")
            #expect(layout.extents.allSatisfy { $0.offset + $0.length <= size })
            // Extents never overlap.
            for (a, b) in zip(layout.extents, layout.extents.dropFirst()) { #expect(a.offset + a.length <= b.offset) }
        }
    }

    @Test func truncatedONNXIsRejectedWithTheOffset() throws {
        let model = Corpus.path("models/digits-mlp/v1.onnx")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: model)))
        let scratch = try ScratchDirectory()
        let truncated = try scratch.write(Array(bytes.prefix(bytes.count / 2)), to: "truncated.onnx")
        #expect {
            try chunker.chunkFile(at: truncated, mode: .tensorAware)
        } throws: { error in
            let text = (error as? FleetError)?.description ?? ""
            return text.hasPrefix("malformed ONNX file \(truncated) at byte ") && text.contains("remain")
        }
    }

    @Test func nonONNXBytesAreRejectedNotGuessedAt() throws {
        let scratch = try ScratchDirectory()
        let text = try scratch.write(Array("name,value\nweights,1\n".utf8), to: "not-a-model.onnx")
        #expect {
            try ONNXTensorLayout(contentsOf: text)
        } throws: { error in
            (error as? FleetError)?.description.hasPrefix("malformed ONNX file \(text)") == true
        }
        let empty = try scratch.write([], to: "empty.onnx")
        #expect {
            try ONNXTensorLayout(contentsOf: empty)
        } throws: { error in
            (error as? FleetError)?.description.contains("no graph") == true
        }
    }
}
