/// The one data-movement kernel behind Transpose, Slice, Concat, Split, Expand, Tile, Pad,
/// CenterCropPad and DepthToSpace: element `i` of a region moves from
/// `source + dot(i, sourceStrides)` to `destination + dot(i, destinationStrides)`.
///
/// Element strides may be zero (broadcast) or negative (reversed slices). Axes that are contiguous
/// in both layouts are merged first, so most copies become a few long `memcpy`s; true transposes
/// go through cache-sized tiles instead of striding through memory one element at a time.
/// The caller guarantees every addressed element lies inside both buffers.
enum StridedCopy {
    struct Layout {
        var shape: [Int]
        var source: [Int]
        var destination: [Int]
    }

    static func copy(shape: [Int], width: Int,
                     from source: UnsafeRawPointer, strides sourceStrides: [Int],
                     to destination: UnsafeMutableRawPointer, strides destinationStrides: [Int]) {
        guard width > 0, !shape.contains(0) else { return }
        let layout = simplified(Layout(shape: shape, source: sourceStrides, destination: destinationStrides))
        let rank = layout.shape.count
        guard rank > 0 else {
            destination.copyMemory(from: source, byteCount: width)
            return
        }
        let inner = rank - 1
        if layout.source[inner] == 1 && layout.destination[inner] == 1 {
            let rowBytes = layout.shape[inner] * width
            forEachOffset(layout, axes: inner) { s, d in
                (destination + d * width).copyMemory(from: source + s * width, byteCount: rowBytes)
            }
            return
        }
        if let tileAxis = transposeAxis(layout) {
            tiled(layout, tileAxis: tileAxis, width: width, source: source, destination: destination)
            return
        }
        let count = layout.shape[inner], ss = layout.source[inner], ds = layout.destination[inner]
        forEachOffset(layout, axes: inner) { s, d in
            row(count: count, width: width, source: source + s * width, sourceStride: ss,
                destination: destination + d * width, destinationStride: ds)
        }
    }

    /// Drops unit axes and merges neighbours that are contiguous in both layouts.
    static func simplified(_ layout: Layout) -> Layout {
        var result = Layout(shape: [], source: [], destination: [])
        for axis in layout.shape.indices where layout.shape[axis] != 1 {
            let n = layout.shape[axis], s = layout.source[axis], d = layout.destination[axis]
            if let last = result.shape.indices.last,
               result.source[last] == s &* n, result.destination[last] == d &* n {
                result.shape[last] &*= n
                result.source[last] = s
                result.destination[last] = d
            } else {
                result.shape.append(n)
                result.source.append(s)
                result.destination.append(d)
            }
        }
        return result
    }

    /// Calls `body(sourceOffset, destinationOffset)` for every index of the first `axes` axes.
    @inline(__always)
    static func forEachOffset(_ layout: Layout, axes: Int, _ body: (Int, Int) -> Void) {
        var index = [Int](repeating: 0, count: axes)
        var s = 0, d = 0
        while true {
            body(s, d)
            var axis = axes - 1
            while axis >= 0 {
                index[axis] &+= 1
                s &+= layout.source[axis]
                d &+= layout.destination[axis]
                if index[axis] < layout.shape[axis] { break }
                s &-= layout.source[axis] &* layout.shape[axis]
                d &-= layout.destination[axis] &* layout.shape[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// One strided run of `count` elements, with a typed loop for the usual widths.
    @inline(__always)
    static func row(count: Int, width: Int, source: UnsafeRawPointer, sourceStride: Int,
                    destination: UnsafeMutableRawPointer, destinationStride: Int) {
        switch width {
        case 1: typedRow(UInt8.self, count, source, sourceStride, destination, destinationStride)
        case 2: typedRow(UInt16.self, count, source, sourceStride, destination, destinationStride)
        case 4: typedRow(UInt32.self, count, source, sourceStride, destination, destinationStride)
        case 8: typedRow(UInt64.self, count, source, sourceStride, destination, destinationStride)
        default:
            for i in 0..<count {
                (destination + i &* destinationStride &* width).copyMemory(from: source + i &* sourceStride &* width, byteCount: width)
            }
        }
    }

    @inline(__always)
    private static func typedRow<T>(_ type: T.Type, _ count: Int, _ source: UnsafeRawPointer, _ sourceStride: Int,
                                    _ destination: UnsafeMutableRawPointer, _ destinationStride: Int) {
        let s = source.assumingMemoryBound(to: T.self), d = destination.assumingMemoryBound(to: T.self)
        if sourceStride == 0 {
            let value = s[0]
            for i in 0..<count { d[i &* destinationStride] = value }
        } else {
            for i in 0..<count { d[i &* destinationStride] = s[i &* sourceStride] }
        }
    }

    /// The axis read contiguously (source stride 1) when the innermost axis is written
    /// contiguously but read with a stride: a transpose worth tiling.
    private static func transposeAxis(_ layout: Layout) -> Int? {
        let inner = layout.shape.count - 1
        guard layout.destination[inner] == 1, layout.source[inner] != 0, layout.shape[inner] >= 4 else { return nil }
        guard let axis = layout.source.lastIndex(of: 1), axis != inner, layout.shape[axis] >= 4 else { return nil }
        return axis
    }

    /// Copies tile by tile over the plane of `tileAxis` (read contiguously) and the innermost axis
    /// (written contiguously), so both sides of each tile stay in cache.
    private static func tiled(_ layout: Layout, tileAxis: Int, width: Int,
                              source: UnsafeRawPointer, destination: UnsafeMutableRawPointer) {
        let inner = layout.shape.count - 1
        let rows = layout.shape[tileAxis], columns = layout.shape[inner]
        let rowDestinationStride = layout.destination[tileAxis], columnSourceStride = layout.source[inner]
        var outer = layout
        outer.shape.remove(at: inner)
        outer.source.remove(at: inner)
        outer.destination.remove(at: inner)
        outer.shape.remove(at: tileAxis)
        outer.source.remove(at: tileAxis)
        outer.destination.remove(at: tileAxis)
        let tile = 32
        forEachOffset(outer, axes: outer.shape.count) { s, d in
            let base = source + s * width, target = destination + d * width
            var r0 = 0
            while r0 < rows {
                let r1 = min(r0 + tile, rows)
                var c0 = 0
                while c0 < columns {
                    let c1 = min(c0 + tile, columns)
                    for r in r0..<r1 {
                        row(count: c1 - c0, width: width,
                            source: base + (r &+ c0 &* columnSourceStride) &* width, sourceStride: columnSourceStride,
                            destination: target + (r &* rowDestinationStride &+ c0) &* width, destinationStride: 1)
                    }
                    c0 = c1
                }
                r0 = r1
            }
        }
    }
}

extension StridedCopy {
    /// A new contiguous tensor of `shape` whose element `i` is the input's element
    /// `offset + dot(i, strides)`: a transposed, sliced, broadcast or tiled view made real.
    static func gather(_ input: Tensor, offset: Int = 0, shape: [Int], strides: [Int], context: ExecutionContext) -> Tensor {
        let output = context.allocate(input.elementType, shape)
        let width = input.elementType.byteWidth
        copy(shape: shape, width: width, from: input.storage.bytes + offset * width, strides: strides,
             to: output.storage.bytes, strides: Tensor.strides(for: shape))
        return output
    }
}
