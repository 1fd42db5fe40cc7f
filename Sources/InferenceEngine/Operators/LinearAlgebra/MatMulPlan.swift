/// The geometry of numpy `matmul`: 1-D operands are promoted to a row (A) or a column (B) vector and
/// the promoted axis dropped from the result; leading axes are batch axes that broadcast.
struct MatMulPlan {
    private(set) var m: Int
    let n: Int
    let k: Int
    let outputShape: [Int]
    /// Element offsets of each batch's A and B matrices; batch `i` writes C at `i * m * n`.
    private(set) var aOffsets: [Int]
    private(set) var bOffsets: [Int]

    init(_ aShape: [Int], _ bShape: [Int]) throws {
        guard !aShape.isEmpty, !bShape.isEmpty else {
            throw OperatorFailure("MatMul operands must have rank >= 1, got shapes \(aShape) and \(bShape)")
        }
        let a = aShape.count == 1 ? [1] + aShape : aShape
        let b = bShape.count == 1 ? bShape + [1] : bShape
        let m = a[a.count - 2]
        let k = a[a.count - 1]
        let n = b[b.count - 1]
        self.m = m
        self.k = k
        self.n = n
        guard b[b.count - 2] == k else {
            throw OperatorFailure("MatMul inner dimensions differ: shapes \(aShape) and \(bShape)")
        }
        let aBatch = Array(a.dropLast(2))
        let bBatch = Array(b.dropLast(2))
        let batch = try Broadcast.shape([aBatch, bBatch])
        var output = batch
        if aShape.count > 1 { output.append(m) }
        if bShape.count > 1 { output.append(n) }
        outputShape = output

        let batchCount = batch.reduce(1, *)
        let aStrides = Broadcast.strides(of: aBatch, in: batch).map { $0 * m * k }
        let bStrides = Broadcast.strides(of: bBatch, in: batch).map { $0 * k * n }
        if aBatch == batch && bStrides.allSatisfy({ $0 == 0 }) {
            // A shared B (a weight) under a contiguous batch of A is one tall GEMM: better blocking
            // and one packing of B instead of one per batch.
            self.m = m * batchCount
            aOffsets = [0]
            bOffsets = [0]
            return
        }
        aOffsets = []
        bOffsets = []
        aOffsets.reserveCapacity(batchCount)
        bOffsets.reserveCapacity(batchCount)
        guard batchCount > 0 else { return }
        var index = [Int](repeating: 0, count: batch.count)
        var aOffset = 0
        var bOffset = 0
        for _ in 0..<batchCount {
            aOffsets.append(aOffset)
            bOffsets.append(bOffset)
            var axis = batch.count - 1
            while axis >= 0 {
                index[axis] += 1
                aOffset += aStrides[axis]
                bOffset += bStrides[axis]
                if index[axis] < batch[axis] { break }
                aOffset -= aStrides[axis] * batch[axis]
                bOffset -= bStrides[axis] * batch[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    var batchCount: Int { aOffsets.count }
}
