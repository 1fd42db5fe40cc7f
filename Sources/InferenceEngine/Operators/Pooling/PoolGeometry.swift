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

    init(size: Int, outputs: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int,
         dataStride: Int, indexStride: Int) {
        self.outputs = outputs
        self.dilation = dilation
        self.dataStride = dataStride
        self.indexStride = indexStride
        var base = [Int](), lo = [Int](), hi = [Int](), padded = [Int]()
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
            axes.append(PoolAxis(size: 1, outputs: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0,
                                 dataStride: 0, indexStride: 0))
        }
        for axis in 0..<rank {
            axes.append(PoolAxis(size: window.image[axis], outputs: window.positions[axis], kernel: window.kernel[axis],
                                 stride: window.strides[axis], dilation: window.dilations[axis],
                                 padBegin: window.padBegin[axis], padEnd: window.padEnd[axis],
                                 dataStride: dataStrides[axis], indexStride: indexStrides[axis]))
        }
        self.axes = axes
        planeSize = window.imageSize
        outputPlaneSize = window.positionCount
        outputSpatial = window.positions
    }

    /// Runs `reducer` over every window of `planes` consecutive input planes.
    func reduce<R: PoolReducer>(planes: Int, input: UnsafePointer<R.Element>, _ reducer: R) {
        let a0 = axes[0], a1 = axes[1], a2 = axes[2]
        for plane in 0..<planes {
            let data = input + plane * planeSize
            var output = 0
            for o0 in 0..<a0.outputs {
                for o1 in 0..<a1.outputs {
                    for o2 in 0..<a2.outputs {
                        var state = reducer.initial
                        for j0 in a0.lo[o0]..<a0.hi[o0] {
                            let c0 = a0.base[o0] + j0 * a0.dilation
                            let d0 = c0 * a0.dataStride, i0 = c0 * a0.indexStride
                            for j1 in a1.lo[o1]..<a1.hi[o1] {
                                let c1 = a1.base[o1] + j1 * a1.dilation
                                let d1 = d0 + c1 * a1.dataStride, i1 = i0 + c1 * a1.indexStride
                                let lo = a2.lo[o2], hi = a2.hi[o2], base = a2.base[o2], dilation = a2.dilation
                                for j2 in lo..<hi {
                                    let c2 = base + j2 * dilation
                                    reducer.add(&state, data[d1 + c2 * a2.dataStride], index: i1 + c2 * a2.indexStride)
                                }
                            }
                        }
                        reducer.finish(state, plane: plane, output: output,
                                       paddedCount: a0.padded[o0] * a1.padded[o1] * a2.padded[o2])
                        output += 1
                    }
                }
            }
        }
    }
}
