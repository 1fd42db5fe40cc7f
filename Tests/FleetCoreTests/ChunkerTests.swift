import Foundation
import Testing

@testable import FleetCore

@Suite struct ChunkerTests {
    let chunker = Chunker()

    @Test func isDeterministicAndRespectsSizeBounds() {
        let bytes = SeededRandom.bytes(count: 10 << 20, seed: 1)
        let first = chunker.chunk(bytes).chunks
        let second = chunker.chunk(bytes).chunks
        #expect(first == second)
        let parameters = ChunkingParameters.standard
        #expect(first.dropLast().allSatisfy { $0.length >= parameters.minSize && $0.length <= parameters.maxSize })
        #expect(first.reduce(0) { $0 + $1.length } == bytes.count)
        // Content-defined cuts on random data average near the target, not at the bounds.
        let mean = bytes.count / first.count
        #expect(mean > parameters.targetSize / 2 && mean < parameters.targetSize * 2, "mean chunk \(mean) bytes")
    }

    @Test func insertingAtTheStartChangesAtMostThreeChunks() {
        let original = SeededRandom.bytes(count: 10 << 20, seed: 2)
        let edited = SeededRandom.bytes(count: 100, seed: 3) + original
        let before = Set(chunker.chunk(original).chunks.map(\.digest))
        let after = chunker.chunk(edited).chunks
        let changed = after.filter { !before.contains($0.digest) }
        #expect(changed.count <= 3, "\(changed.count) of \(after.count) chunks changed")
        #expect(changed.count >= 1)
    }

    @Test func streamingAFileMatchesChunkingInMemory() throws {
        // 20 MiB: larger than the 8 MiB read window, so the window slides many times.
        let scratch = try ScratchDirectory()
        let bytes = SeededRandom.bytes(count: 20 << 20, seed: 4)
        let path = try scratch.write(bytes, to: "blob.bin")
        var handed: [UInt8] = []
        let streamed = try chunker.chunkFile(at: path, mode: .plain) { span, chunkBytes in
            #expect(UInt64(handed.count) == span.offset)
            handed += chunkBytes
        }
        #expect(streamed.chunks == chunker.chunk(bytes).chunks)
        #expect(streamed.digest == Digest.of(bytes))
        #expect(streamed.size == UInt64(bytes.count))
        #expect(handed == bytes)
    }

    @Test func chunksEmptyAndTinyFiles() throws {
        let scratch = try ScratchDirectory()
        let empty = try chunker.chunkFile(at: try scratch.write([], to: "empty"), mode: .plain)
        #expect(empty.chunks.isEmpty)
        #expect(empty.digest == Digest.of([UInt8]()))
        let tiny = try chunker.chunkFile(at: try scratch.write([1, 2, 3], to: "tiny"), mode: .plain)
        #expect(tiny.chunks.map(\.length) == [3])
    }

    @Test func missingFileIsAnErrorNamingThePath() {
        #expect {
            try chunker.chunkFile(at: "/nonexistent/model.onnx", mode: .plain)
        } throws: { error in
            (error as? FleetError)?.description == "cannot open /nonexistent/model.onnx: No such file or directory (errno 2)"
        }
    }

    @Test func alignsCutsInsideTensorsToWholeElements() {
        #expect(Chunker.aligned(16_387, available: 100_000, width: 4) == 16_384)
        #expect(Chunker.aligned(16_387, available: 16_387, width: 4) == 16_387)  // the segment's end stays
        #expect(Chunker.aligned(16_387, available: 100_000, width: 1) == 16_387)
    }
}
