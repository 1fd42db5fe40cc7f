/// Where element (batch, head, position, feature) of a multi-head tensor lives, whether it is stored
/// 4-D `[batch, heads, sequence, headSize]` or packed 3-D `[batch, sequence, heads * headSize]`.
///
/// Attention-style operators accept both layouts; reading the packed one through strides instead of
/// reshaping and transposing it first saves a copy of every operand, and lets a head's rows go
/// straight into SGEMM as a strided matrix.
struct HeadLayout {
    let batch: Int
    let heads: Int
    let sequence: Int
    let headSize: Int
    let batchStride: Int
    let headStride: Int
    /// Elements between consecutive sequence positions of one head; features are contiguous.
    let rowStride: Int

    /// The 4-D layout, `[batch, heads, sequence, headSize]`.
    init(batch: Int, heads: Int, sequence: Int, headSize: Int) {
        self.batch = batch
        self.heads = heads
        self.sequence = sequence
        self.headSize = headSize
        rowStride = headSize
        headStride = sequence &* headSize
        batchStride = heads &* headStride
    }

    /// The packed 3-D layout, `[batch, sequence, heads * headSize]`.
    init(packedBatch batch: Int, heads: Int, sequence: Int, headSize: Int) {
        self.batch = batch
        self.heads = heads
        self.sequence = sequence
        self.headSize = headSize
        headStride = headSize
        rowStride = heads &* headSize
        batchStride = sequence &* rowStride
    }

    /// The layout of `tensor`: 4-D as stored, or 3-D split into `heads` (which must divide the
    /// hidden size). `what` and `attribute` (where `heads` came from) name things in failures.
    init(_ tensor: Tensor, heads: Int?, attribute: String, op: String, _ what: String) throws {
        let shape = tensor.shape
        switch shape.count {
        case 4:
            self.init(batch: shape[0], heads: shape[1], sequence: shape[2], headSize: shape[3])
        case 3:
            guard let heads, heads > 0 else {
                throw OperatorFailure("\(op): 3-D \(what) \(shape) needs the \(attribute) attribute")
            }
            guard shape[2] % heads == 0 else {
                throw OperatorFailure("\(op): hidden size \(shape[2]) of \(what) \(shape) is not divisible by \(heads) heads")
            }
            self.init(packedBatch: shape[0], heads: heads, sequence: shape[1], headSize: shape[2] / heads)
        default:
            throw OperatorFailure("\(op): \(what) must be 3-D or 4-D, got shape \(shape)")
        }
    }

    /// Offset of the first element of head `head` in batch `batch`.
    @inline(__always) func offset(_ batch: Int, _ head: Int) -> Int {
        batch &* batchStride &+ head &* headStride
    }

    /// The `[batch, heads, sequence, headSize]` shape this layout describes.
    var shape4D: [Int] { [batch, heads, sequence, headSize] }

    /// Copies every head's rows of `source` (read through this layout) into `destination`, a 4-D
    /// `[batch, heads, total, headSize]` buffer, starting at sequence position `at`.
    func copyRows(from source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, total: Int, at start: Int) {
        for b in 0..<batch {
            for h in 0..<heads {
                let from = source + offset(b, h)
                let to = destination + ((b &* heads &+ h) &* total &+ start) &* headSize
                for s in 0..<sequence {
                    (to + s &* headSize).update(from: from + s &* rowStride, count: headSize)
                }
            }
        }
    }
}
