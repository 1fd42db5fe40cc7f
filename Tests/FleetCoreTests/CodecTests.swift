import Foundation
import Testing

@testable import FleetCore

@Suite struct CodecTests {
    let compressor = ChunkCompressor()

    @Test(arguments: [1, 2, 3, 4, 7, 8, 4099])
    func byteShuffleRoundTripsAnyLength(length: Int) {
        let bytes = SeededRandom.bytes(count: length, seed: UInt64(length))
        for width in [2, 4, 8] {
            let planes = bytes.withUnsafeBytes { ByteShuffle.shuffle($0, width: width) }
            #expect(planes.withUnsafeBytes { ByteShuffle.unshuffle($0, width: width) } == bytes)
        }
    }

    @Test func shuffleGroupsBytePlanes() {
        let values: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        #expect(values.withUnsafeBytes { ByteShuffle.shuffle($0, width: 4) } == [1, 5, 2, 6, 3, 7, 4, 8, 9])
    }

    @Test(arguments: ["identity", "zlib", "zstd", "zlib+shuffle4", "zstd+shuffle2", "zstd+shuffle8"])
    func codecNamesRoundTrip(name: String) throws {
        #expect(try ChunkCodec(parsing: name).description == name)
    }

    @Test(arguments: ["gzip", "zstd+shuffle3", "identity+shuffle4", "zstd+", "zstd+shuffle4+x", ""])
    func unknownCodecsAreRejected(name: String) {
        #expect {
            try ChunkCodec(parsing: name)
        } throws: { error in
            (error as? FleetError)?.description.hasPrefix("unknown codec '\(name)' (known: identity, zlib,") == true
        }
    }

    @Test func incompressibleChunksAreStoredAsIs() throws {
        let noise = SeededRandom.bytes(count: 65_536, seed: 9)
        let (codec, stored) = try noise.withUnsafeBytes {
            try compressor.encode($0, elementWidth: 4, settings: .standard)
        }
        #expect(codec == .identity)
        #expect(stored == noise)
    }

    @Test(arguments: [ChunkCodec.Compressor.zlib, .zstd])
    func corruptOrTruncatedStoredBytesAreErrorsNamingTheChunk(compressor kind: ChunkCodec.Compressor) throws {
        let floats = (0..<16_384).map { Float(sin(Double($0) / 50)) }
        let bytes = floats.withUnsafeBytes { Array($0) }
        let digest = Digest.of(bytes)
        let settings = ChunkCompressor.Settings(compressor: kind, level: 3)
        let (codec, stored) = try bytes.withUnsafeBytes { try compressor.encode($0, elementWidth: 4, settings: settings) }
        #expect(codec == ChunkCodec(compressor: kind, shuffleWidth: 4))
        #expect(stored.count < bytes.count)
        #expect(try stored.withUnsafeBytes { try compressor.decode($0, codec: codec, length: bytes.count, digest: digest) } == bytes)

        var flipped = stored
        flipped[stored.count / 2] ^= 0x5a
        let truncated = Array(stored.dropLast(10))
        for damaged in [flipped, truncated] {
            #expect {
                try damaged.withUnsafeBytes { try compressor.decode($0, codec: codec, length: bytes.count, digest: digest) }
            } throws: { error in
                let text = (error as? FleetError)?.description ?? ""
                // Either the stream itself is refused, or it inflates to bytes whose digest is wrong.
                return text.hasPrefix("corrupt chunk \(digest)") || text.hasPrefix("digest mismatch for chunk \(digest)")
            }
        }
        #expect {
            try stored.withUnsafeBytes { try compressor.decode($0, codec: codec, length: bytes.count + 1, digest: digest) }
        } throws: { error in
            (error as? FleetError)?.description.hasPrefix("corrupt chunk \(digest)") == true
        }
    }
}

@Suite struct RoundTripTests {
    /// Every corpus model, packed with each compressor, reassembles byte for byte.
    @Test(arguments: [ChunkCodec.Compressor.zlib, .zstd, .identity])
    func everyCorpusModelRoundTrips(compressor: ChunkCodec.Compressor) throws {
        let packer = ArtifactPacker(settings: .init(compressor: compressor, level: compressor == .zstd ? 19 : 6))
        for model in try Corpus.models() + [Corpus.path("models/digits-mlp/X_test.npy")] {
            var store: [Digest: [UInt8]] = [:]
            let file = try packer.pack(file: model, as: "model.onnx", mode: ArtifactPacker.defaultMode(forPath: model)) { chunk, stored in
                store[chunk.digest] = stored
            }
            var rebuilt: [UInt8] = []
            try ArtifactAssembler().assemble(
                file,
                storedBytes: { chunk in
                    try #require(store[chunk.digest])
                }, write: { rebuilt += $0 })
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: model)))
            #expect(rebuilt == original, "\(model)")
            #expect(file.digest == Digest.of(original))
            if compressor != .identity {
                #expect(file.chunks.reduce(0) { $0 + $1.storedLength } < original.count, "\(model) did not shrink")
            }
        }
    }

    @Test func assemblerRefusesAChunkWithTheWrongBytes() throws {
        let model = Corpus.path("models/digits-mlp/v1.onnx")
        var store: [Digest: [UInt8]] = [:]
        let file = try ArtifactPacker().pack(file: model, as: "model.onnx", mode: .tensorAware) { store[$0.digest] = $1 }
        #expect(file.chunks.count > 2)
        let victim = file.chunks[file.chunks.count / 2]
        store[victim.digest]?[victim.storedLength / 2] ^= 1
        var written = 0
        #expect {
            try ArtifactAssembler().assemble(file, storedBytes: { try #require(store[$0.digest]) }, write: { written += $0.count })
        } throws: { error in
            let text = (error as? FleetError)?.description ?? ""
            return text.hasPrefix("digest mismatch for chunk \(victim.digest)") || text.hasPrefix("corrupt chunk \(victim.digest)")
        }
        // Nothing from the bad chunk (or after it) reached the writer.
        #expect(UInt64(written) == victim.offset)
    }
}
