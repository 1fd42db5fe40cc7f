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

    static func copy(
        shape: [Int], width: Int,
        from source: UnsafeRawPointer, strides sourceStrides: [Int],
        to destination: UnsafeMutableRawPointer, strides destinationStrides: [Int]
    ) {
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
        let count = layout.shape[inner]
        let ss = layout.source[inner]
        let ds = layout.destination[inner]
        forEachOffset(layout, axes: inner) { s, d in
            row(
                count: count, width: width, source: source + s * width, sourceStride: ss,
                destination: destination + d * width, destinationStride: ds)
        }
    }

    /// Drops unit axes and merges neighbours that are contiguous in both layouts.
    static func simplified(_ layout: Layout) -> Layout {
        var result = Layout(shape: [], source: [], destination: [])
        for axis in layout.shape.indices where layout.shape[axis] != 1 {
            let n = layout.shape[axis]
            let s = layout.source[axis]
            let d = layout.destination[axis]
            if let last = result.shape.indices.last,
                result.source[last] == s &* n, result.destination[last] == d &* n
            {
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
        var s = 0
        var d = 0
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
    static func row(
        count: Int, width: Int, source: UnsafeRawPointer, sourceStride: Int,
        destination: UnsafeMutableRawPointer, destinationStride: Int
    ) {
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
    private static func typedRow<T>(
        _ type: T.Type, _ count: Int, _ source: UnsafeRawPointer, _ sourceStride: Int,
        _ destination: UnsafeMutableRawPointer, _ destinationStride: Int
    ) {
        let s = source.assumingMemoryBound(to: T.self)
        let d = destination.assumingMemoryBound(to: T.self)
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
    /// (written contiguously), so both sides of each tile stay in cache; inside a tile, 4×4 blocks
    /// are transposed in vector registers.
    private static func tiled(
        _ layout: Layout, tileAxis: Int, width: Int,
        source: UnsafeRawPointer, destination: UnsafeMutableRawPointer
    ) {
        let inner = layout.shape.count - 1
        let plane = Plane(
            rows: layout.shape[tileAxis], columns: layout.shape[inner],
            rowStride: layout.destination[tileAxis], columnStride: layout.source[inner])
        var outer = layout
        for axis in [inner, tileAxis] {
            outer.shape.remove(at: axis)
            outer.source.remove(at: axis)
            outer.destination.remove(at: axis)
        }
        forEachOffset(outer, axes: outer.shape.count) { s, d in
            let base = source + s * width
            let target = destination + d * width
            switch width {
            case 1: plane.copy(UInt8.self, base, target)
            case 2: plane.copy(UInt16.self, base, target)
            case 4: plane.copy(UInt32.self, base, target)
            case 8: plane.copy(UInt64.self, base, target)
            default: plane.copyElements(width: width, base, target, rows: 0..<plane.rows, columns: 0..<plane.columns)
            }
        }
    }

    /// One transposed plane: element (r, c) is read at `r + c * columnStride` and written at
    /// `r * rowStride + c` (element units).
    private struct Plane {
        let rows: Int, columns: Int, rowStride: Int, columnStride: Int

        @inline(__always)
        func copy<T: SIMDScalar>(_ type: T.Type, _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer) {
            let width = MemoryLayout<T>.stride
            let tile = width >= 8 ? 32 : 64
            var r0 = 0
            while r0 < rows {
                let r1 = min(r0 + tile, rows)
                var c0 = 0
                while c0 < columns {
                    let c1 = min(c0 + tile, columns)
                    let r4 = r0 + (r1 - r0) / 4 * 4
                    let c4 = c0 + (c1 - c0) / 4 * 4
                    var r = r0
                    while r < r4 {
                        var c = c0
                        while c < c4 {
                            block(T.self, source + (r &+ c &* columnStride) &* width, destination + (r &* rowStride &+ c) &* width)
                            c &+= 4
                        }
                        r &+= 4
                    }
                    copyElements(width: width, source, destination, rows: r0..<r4, columns: c4..<c1)
                    copyElements(width: width, source, destination, rows: r4..<r1, columns: c0..<c1)
                    c0 = c1
                }
                r0 = r1
            }
        }

        /// A 4×4 block: four contiguous reads, four contiguous writes.
        @inline(__always)
        private func block<T: SIMDScalar>(_ type: T.Type, _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer) {
            let width = MemoryLayout<T>.stride
            let step = columnStride &* width
            let rowStep = rowStride &* width
            let a = source.loadUnaligned(as: SIMD4<T>.self)
            let b = source.loadUnaligned(fromByteOffset: step, as: SIMD4<T>.self)
            let c = source.loadUnaligned(fromByteOffset: 2 &* step, as: SIMD4<T>.self)
            let d = source.loadUnaligned(fromByteOffset: 3 &* step, as: SIMD4<T>.self)
            destination.storeBytes(of: SIMD4(a[0], b[0], c[0], d[0]), as: SIMD4<T>.self)
            destination.storeBytes(of: SIMD4(a[1], b[1], c[1], d[1]), toByteOffset: rowStep, as: SIMD4<T>.self)
            destination.storeBytes(of: SIMD4(a[2], b[2], c[2], d[2]), toByteOffset: 2 &* rowStep, as: SIMD4<T>.self)
            destination.storeBytes(of: SIMD4(a[3], b[3], c[3], d[3]), toByteOffset: 3 &* rowStep, as: SIMD4<T>.self)
        }

        /// The ragged edges of a tile, element by element.
        func copyElements(
            width: Int, _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer,
            rows: Range<Int>, columns: Range<Int>
        ) {
            guard !columns.isEmpty else { return }
            for r in rows {
                StridedCopy.row(
                    count: columns.count, width: width,
                    source: source + (r &+ columns.lowerBound &* columnStride) &* width, sourceStride: columnStride,
                    destination: destination + (r &* rowStride &+ columns.lowerBound) &* width, destinationStride: 1)
            }
        }
    }
}

extension StridedCopy {
    /// A new contiguous tensor of `shape` whose element `i` is the input's element
    /// `offset + dot(i, strides)`: a transposed, sliced, broadcast or tiled view made real.
    static func gather(_ input: Tensor, offset: Int = 0, shape: [Int], strides: [Int], context: ExecutionContext) throws -> Tensor {
        let output = try context.allocate(input.elementType, shape)
        let width = input.elementType.byteWidth
        copy(
            shape: shape, width: width, from: input.storage.bytes + offset * width, strides: strides,
            to: output.storage.bytes, strides: Tensor.strides(for: shape))
        return output
    }
}
