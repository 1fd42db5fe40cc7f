/// Splits files into content-defined chunks, streaming, with bounded memory.
///
/// In `.tensorAware` mode the file is read as ONNX first and every tensor payload of at least
/// `minimumTensorBytes` becomes a segment of its own: boundaries fall at its first and last byte, and
/// cuts inside it land on element boundaries so the codec's byte-shuffle sees whole values.
/// Smaller tensors and the graph's protobuf framing are chunked together in the gaps between.
public struct Chunker: Sendable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        case plain
        case tensorAware = "tensor-aware"
    }

    public var parameters: ChunkingParameters
    /// Tensors smaller than this share chunks with their neighbours instead of forcing boundaries:
    /// a boundary per bias vector would make many tiny chunks and little dedup gain.
    public var minimumTensorBytes: UInt64

    public init(parameters: ChunkingParameters = .standard, minimumTensorBytes: UInt64 = 4096) {
        self.parameters = parameters
        self.minimumTensorBytes = minimumTensorBytes
    }

    /// Chunks a file, handing each chunk's bytes to `consume` as it goes (to compress or upload it)
    /// before the next chunk is read.
    public func chunkFile(
        at path: String,
        mode: Mode,
        consume: (ChunkSpan, UnsafeRawBufferPointer) throws -> Void = { _, _ in }
    ) throws -> ChunkedFile {
        let file = try ReadOnlyFile(path: path)
        let segments: [ChunkSegment]
        switch mode {
        case .plain: segments = [ChunkSegment(start: 0, end: file.size, elementWidth: 1)]
        case .tensorAware: segments = Self.segments(for: try ONNXTensorLayout(file: file), fileSize: file.size, minimumTensorBytes: minimumTensorBytes)
        }
        var window = SequentialWindow(file: file, capacity: max(8 << 20, 2 * parameters.maxSize))
        defer { window.deallocate() }
        return try chunk(segments: segments, size: file.size, mode: mode, consume: consume) { offset, count in
            let view = try window.view(at: offset, count: count)
            guard view.count == count else {
                throw FleetError.io(path: path, operation: "read (file shrank while being chunked)", errno: 5)
            }
            return view
        }
    }

    /// Chunks bytes already in memory as one plain segment (small files, tests).
    public func chunk(_ bytes: [UInt8]) -> ChunkedFile {
        bytes.withUnsafeBytes { all in
            let whole = [ChunkSegment(start: 0, end: UInt64(all.count), elementWidth: 1)]
            return chunk(segments: whole, size: UInt64(all.count), mode: .plain, consume: { _, _ in }) { offset, count in
                UnsafeRawBufferPointer(rebasing: all[Int(offset)..<(Int(offset) + count)])
            }
        }
    }

    /// The one chunking loop: CDC within each segment, every chunk hashed on its own and into the file digest.
    private func chunk(
        segments: [ChunkSegment],
        size: UInt64,
        mode: Mode,
        consume: (ChunkSpan, UnsafeRawBufferPointer) throws -> Void,
        view: (UInt64, Int) throws -> UnsafeRawBufferPointer
    ) rethrows -> ChunkedFile {
        let cutter = GearCutter(parameters: parameters)
        var fileHasher = DigestHasher()
        var chunks: [ChunkSpan] = []
        for segment in segments {
            var offset = segment.start
            while offset < segment.end {
                let remaining = Int(min(segment.end - offset, UInt64(parameters.maxSize)))
                let bytesAhead = try view(offset, remaining)
                let length = Self.aligned(cutter.cut(bytesAhead), available: remaining, width: segment.elementWidth)
                let bytes = UnsafeRawBufferPointer(rebasing: bytesAhead[0..<length])
                fileHasher.update(bytes)
                let span = ChunkSpan(offset: offset, length: length, digest: .of(bytes), elementWidth: segment.elementWidth)
                try consume(span, bytes)
                chunks.append(span)
                offset += UInt64(length)
            }
        }
        return ChunkedFile(size: size, digest: fileHasher.finalize(), chunks: chunks, mode: mode)
    }

    /// Inside a tensor, a cut that is not the segment's end moves back to a whole element.
    static func aligned(_ cut: Int, available: Int, width: Int) -> Int {
        guard width > 1, cut < available else { return cut }
        let rounded = cut - cut % width
        return rounded > 0 ? rounded : cut
    }

    /// Alternating gap and tensor segments covering `[0, fileSize)`.
    static func segments(for layout: ONNXTensorLayout, fileSize: UInt64, minimumTensorBytes: UInt64) -> [ChunkSegment] {
        var segments: [ChunkSegment] = []
        var position: UInt64 = 0
        for extent in layout.extents where extent.length >= minimumTensorBytes && extent.offset >= position {
            if extent.offset > position {
                segments.append(ChunkSegment(start: position, end: extent.offset, elementWidth: 1))
            }
            segments.append(ChunkSegment(start: extent.offset, end: extent.offset + extent.length, elementWidth: extent.elementWidth))
            position = extent.offset + extent.length
        }
        if position < fileSize {
            segments.append(ChunkSegment(start: position, end: fileSize, elementWidth: 1))
        }
        return segments
    }
}
