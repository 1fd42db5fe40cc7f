/// One spatial axis of a pooling window, with the valid taps of every output position
/// precomputed so the inner loops never test bounds.
struct PoolAxis {
    let outputs: Int
    let dilation: Int
    /// Input coordinate of tap 0 for each output position (negative inside the begin padding).
    let base: [Int]
    /// Taps `lo[o]..<hi[o]` of output `o` land inside the input.
    let lo: [Int]
    let hi: [Int]
    /// Taps of output `o` inside the input or its declared padding: the count_include_pad divisor.
    let padded: [Int]
    /// Element stride of this axis in the row-major input.
    let dataStride: Int
    /// Stride of this axis in the flat index MaxPool reports (row- or column-major).
    let indexStride: Int

    init(
        size: Int, outputs: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int,
        dataStride: Int, indexStride: Int
    ) {
        self.outputs = outputs
        self.dilation = dilation
        self.dataStride = dataStride
        self.indexStride = indexStride
        var base = [Int]()
        var lo = [Int]()
        var hi = [Int]()
        var padded = [Int]()
        for o in 0..<outputs {
            let start = o * stride - padBegin
            let first = start >= 0 ? 0 : min(kernel, (-start + dilation - 1) / dilation)
            let end = size - start <= 0 ? first : max(first, min(kernel, (size - start + dilation - 1) / dilation))
            let paddedEnd = size + padEnd - start <= 0 ? 0 : min(kernel, (size + padEnd - start + dilation - 1) / dilation)
            base.append(start)
            lo.append(first)
            hi.append(end)
            padded.append(paddedEnd)
        }
        self.base = base
        self.lo = lo
        self.hi = hi
        self.padded = padded
    }
}

/// What a pooling operator does with the pixels of one window.
protocol PoolReducer {
    associatedtype Element
    associatedtype State
    var initial: State { get }
    /// `offset` is the pixel's data offset within its plane, `index` its flat index (MaxPool).
    func add(_ state: inout State, _ value: Element, index: Int)
    /// Stores the result of output `output` of plane `plane`; `paddedCount` is the window size
    /// counting declared padding.
    func finish(_ state: State, plane: Int, output: Int, paddedCount: Int)
}

/// The window geometry of a pooling operator over [N, C, spatial...] with up to three spatial
/// axes (fewer are promoted with leading unit axes).
struct PoolGeometry {
    let axes: [PoolAxis]
    let planeSize: Int
    let outputPlaneSize: Int
    let outputSpatial: [Int]

    /// `columnMajorIndices` makes the reported flat indices column-major within the spatial
    /// axes (MaxPool storage_order=1).
    init(window: SlidingWindow, columnMajorIndices: Bool = false) throws {
        let rank = window.rank
        guard rank >= 1, rank <= 3 else { throw OperatorFailure("pooling supports 1 to 3 spatial axes, got \(rank)") }
        let dataStrides = Tensor.strides(for: window.image)
        var indexStrides = dataStrides
        if columnMajorIndices {
            var stride = 1
            for axis in 0..<rank {
                indexStrides[axis] = stride
                stride *= window.image[axis]
            }
        }
        var axes: [PoolAxis] = []
        for _ in rank..<3 {
            axes.append(
                PoolAxis(
                    size: 1, outputs: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0,
                    dataStride: 0, indexStride: 0))
        }
        for axis in 0..<rank {
            axes.append(
                PoolAxis(
                    size: window.image[axis], outputs: window.positions[axis], kernel: window.kernel[axis],
                    stride: window.strides[axis], dilation: window.dilations[axis],
                    padBegin: window.padBegin[axis], padEnd: window.padEnd[axis],
                    dataStride: dataStrides[axis], indexStride: indexStrides[axis]))
        }
        self.axes = axes
        planeSize = window.imageSize
        outputPlaneSize = window.positionCount
        outputSpatial = window.positions
    }
}
