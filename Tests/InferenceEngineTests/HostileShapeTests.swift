import InferenceEngine
import Testing

/// Issue #15 item 1: shapes from outside (JSON bodies, TensorProto files, ONNX initializers) whose
/// element or byte count overflows are refused with `EngineError`, never trapped.
@Suite struct HostileShapeTests {
    /// Field 1 (dims) holding 2^31 - 1, the largest dimension a file may declare, as protobuf bytes:
    /// tag 0x08, then the varint FF FF FF FF 07.
    static let largestDimension: [UInt8] = [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]
    /// Field 2 (data_type) = 11, double.
    static let doubleType: [UInt8] = [0x10, 11]

    @Test func overflowingShapesAreRefusedByTheTensorInitializers() {
        let cases: [(shape: [Int], mentions: String)] = [
            ([1 << 32, 1 << 32], "more elements than a 64-bit count can hold"),
            ([Int.max, 2], "more elements than a 64-bit count can hold"),
            ([1 << 62], "needs more than 17179869184 bytes"),
            ([2, -3], "negative dimension")
        ]
        for (shape, mentions) in cases {
            #expect(throws: EngineError.self, "\(shape)") { _ = try Tensor(shape: shape, values: [Float]()) }
            do {
                _ = try Tensor(shape: shape, elementType: .float, littleEndianBytes: [UInt8]())
                Issue.record("shape \(shape) was accepted")
            } catch {
                #expect(error.description.contains(mentions), "\(error)")
            }
        }
    }

    /// Two dimensions within the per-dimension limit whose product times 8 bytes overflows: the
    /// decoder used to multiply the count by the element width unchecked (and trapped).
    @Test func tensorProtoFilesWithOverflowingSizesAreRefused() {
        for rank in [2, 3] {
            let file = Array(repeating: Self.largestDimension, count: rank).flatMap { $0 } + Self.doubleType
            do {
                _ = try Tensor.decode(protobuf: file)
                Issue.record("\(rank) dimensions of 2^31 - 1 were accepted")
            } catch {
                #expect(error.description.contains("the largest tensor accepted") || error.description.contains("64-bit count"), "\(error)")
            }
        }
    }

    @Test func checkedShapeAgreesWithPlainArithmeticWhereNothingOverflows() throws {
        let size = try CheckedShape.size([2, 3, 4], elementWidth: 4).get()
        #expect(size.count == 24 && size.bytes == 96)
        #expect(try CheckedShape.elementCount([]).get() == 1)
        #expect(try CheckedShape.elementCount([5, 0, 1 << 40]).get() == 0)
        #expect(throws: CheckedShape.Refusal.overflow(shape: [1 << 40, 1 << 40])) { try CheckedShape.elementCount([1 << 40, 1 << 40]).get() }
    }
}
