/// Where each index of an index tensor points into `data`, for the element-wise (GatherElements,
/// ScatterElements) and tuple (GatherND, ScatterND) families. Computing checked flat offsets once
/// keeps the gather and scatter kernels to a plain loop over offsets, shared by both directions.
enum ElementOffsets {
    /// For each element of `indices` (same rank as `data`): the flat offset into `data` at its own
    /// coordinates, with the coordinate along `axis` replaced by its value.
    static func alongAxis(_ indices: Tensor, dataShape: [Int], axis: Int, op: String) throws -> [Int] {
        let rank = dataShape.count
        guard indices.rank == rank else {
            throw OperatorFailure("\(op): indices of shape \(indices.shape) must have the rank of data \(dataShape)")
        }
        for d in 0..<rank where d != axis && indices.shape[d] > dataShape[d] {
            throw OperatorFailure("\(op): indices shape \(indices.shape) exceeds data shape \(dataShape) on axis \(d)")
        }
        var offsets = try IndexCheck.indexValues(indices, op: op)
        guard !offsets.isEmpty else { return offsets }
        let strides = Tensor.strides(for: dataShape)
        let shape = indices.shape
        let dimension = dataShape[axis]
        let axisStride = strides[axis]
        var coordinates = [Int](repeating: 0, count: rank)
        var base = 0  // offset of the current coordinates, ignoring the axis
        for position in 0..<offsets.count {
            let index = try IndexCheck.resolve(offsets[position], dimension: dimension, op: op, axis: axis)
            offsets[position] = base &+ index &* axisStride
            var d = rank - 1
            while d >= 0 {
                coordinates[d] += 1
                if d != axis { base &+= strides[d] }
                if coordinates[d] < shape[d] { break }
                if d != axis { base &-= strides[d] &* shape[d] }
                coordinates[d] = 0
                d -= 1
            }
        }
        return offsets
    }

    /// Tuples along the last axis of `indices` (after `batchDims` shared leading axes), each
    /// addressing a slice of `data`.
    struct Tuples {
        /// Flat element offset of each addressed slice.
        let offsets: [Int]
        /// Elements per slice: the data axes the tuples do not index.
        let sliceLength: Int
        /// indices.shape without its last axis, followed by the slice shape: the gathered shape.
        let resultShape: [Int]
    }

    static func tuples(_ indices: Tensor, dataShape: [Int], batchDims: Int, op: String) throws -> Tuples {
        let rank = dataShape.count
        let indexRank = indices.rank
        guard rank >= 1, indexRank >= 1 else {
            throw OperatorFailure("\(op): data \(dataShape) and indices \(indices.shape) must both have rank >= 1")
        }
        guard batchDims >= 0, batchDims < min(rank, indexRank) else {
            throw OperatorFailure("\(op): batch_dims \(batchDims) must be below the ranks of data \(dataShape) and indices \(indices.shape)")
        }
        for d in 0..<batchDims where indices.shape[d] != dataShape[d] {
            throw OperatorFailure("\(op): batch axis \(d) differs between data \(dataShape) and indices \(indices.shape)")
        }
        let tupleLength = indices.shape[indexRank - 1]
        guard tupleLength <= rank - batchDims else {
            throw OperatorFailure("\(op): index tuples of length \(tupleLength) exceed the \(rank - batchDims) indexable axes of data \(dataShape)")
        }
        let values = try IndexCheck.indexValues(indices, op: op)
        let strides = Tensor.strides(for: dataShape)
        let tupleCount = indices.shape.product(0..<(indexRank - 1))
        let perBatch = indices.shape.product(batchDims..<(indexRank - 1))
        let batchStride = dataShape.product(batchDims..<rank)
        var offsets = [Int](repeating: 0, count: tupleCount)
        for t in 0..<tupleCount {
            var offset = (t / perBatch) &* batchStride  // perBatch > 0 whenever there is a tuple
            for k in 0..<tupleLength {
                let axis = batchDims + k
                let index = try IndexCheck.resolve(values[t &* tupleLength &+ k], dimension: dataShape[axis], op: op, axis: axis)
                offset &+= index &* strides[axis]
            }
            offsets[t] = offset
        }
        let sliceShape = Array(dataShape[(batchDims + tupleLength)...])
        return Tuples(
            offsets: offsets, sliceLength: sliceShape.reduce(1, *),
            resultShape: Array(indices.shape[..<(indexRank - 1)]) + sliceShape)
    }
}
