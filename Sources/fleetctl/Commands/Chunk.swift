import ArgumentParser
import FleetCore
import Foundation

/// `fleetctl chunk`: shows how a file would be chunked and stored, without a registry.
struct Chunk: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chunk and compress a file locally and report sizes and throughput.",
        discussion: "ONNX files are chunked tensor-aware unless --plain is given. Use --codec identity to time chunking and hashing alone."
    )

    @Argument(help: "The file to chunk.") var file: String
    @Flag(help: "Plain content-defined chunking even for ONNX files.") var plain = false
    @Option(help: "Codec and level: identity, zlib[:LEVEL], zstd[:LEVEL].") var codec: CodecOption = .init(settings: .standard)
    @Flag(help: "Do not byte-shuffle tensor chunks before compressing.") var noShuffle = false
    @Flag(help: "List every chunk.") var list = false
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        let mode: Chunker.Mode = plain ? .plain : ArtifactPacker.defaultMode(forPath: file)
        var settings = codec.settings
        settings.shuffle = !noShuffle
        let packer = ArtifactPacker(settings: settings)
        let clock = ContinuousClock()
        var entry: Manifest.File?
        let elapsed = try clock.measure {
            entry = try packer.pack(file: file, as: URL(fileURLWithPath: file).lastPathComponent, mode: mode)
        }
        guard let entry else { return }
        let report = ChunkReport(file: entry, settings: settings, seconds: elapsed.seconds)
        if json {
            print(try JSONText.encode(report))
        } else {
            report.printText(listingChunks: list)
        }
    }
}

/// `zstd:19` style codec option.
struct CodecOption: ExpressibleByArgument {
    var settings: ChunkCompressor.Settings

    init(settings: ChunkCompressor.Settings) { self.settings = settings }

    init?(argument: String) {
        let parts = argument.split(separator: ":", maxSplits: 1)
        guard let compressor = ChunkCodec.Compressor(rawValue: String(parts[0])) else { return nil }
        let defaultLevel: Int32 = compressor == .zlib ? 6 : 15
        guard let level = parts.count == 2 ? Int32(parts[1]) : defaultLevel else { return nil }
        settings = .init(compressor: compressor, level: level)
    }

    var defaultValueDescription: String { "\(settings.compressor.rawValue):\(settings.level)" }
}

/// What `fleetctl chunk` prints.
struct ChunkReport: Encodable {
    let path: String
    let mode: String
    let codec: String
    let size: UInt64
    let storedSize: Int
    let chunks: Int
    let distinctChunks: Int
    let digest: String
    let seconds: Double
    let megabytesPerSecond: Double
    private let entry: Manifest.File

    enum CodingKeys: String, CodingKey {
        case path, mode, codec, size, storedSize, chunks, distinctChunks, digest, seconds, megabytesPerSecond
    }

    init(file: Manifest.File, settings: ChunkCompressor.Settings, seconds: Double) {
        entry = file
        path = file.path
        mode = file.chunking.mode.rawValue
        codec = "\(settings.compressor.rawValue):\(settings.level)\(settings.shuffle ? "+shuffle" : "")"
        size = file.size
        storedSize = file.chunks.reduce(0) { $0 + $1.storedLength }
        chunks = file.chunks.count
        distinctChunks = Set(file.chunks.map(\.digest)).count
        digest = file.digest.description
        self.seconds = seconds
        megabytesPerSecond = seconds > 0 ? Double(file.size) / 1e6 / seconds : 0
    }

    func printText(listingChunks: Bool) {
        if listingChunks {
            print("offset".padding(12) + "length".padding(9) + "stored".padding(9) + "codec".padding(16) + "digest")
            for chunk in entry.chunks {
                print(
                    String(chunk.offset).padding(12) + String(chunk.length).padding(9) + String(chunk.storedLength).padding(9)
                        + chunk.codec.description.padding(16) + chunk.digest.description)
            }
        }
        let ratio = size > 0 ? Double(storedSize) / Double(size) : 1
        print("\(path): \(size) bytes, \(chunks) chunks (\(distinctChunks) distinct), \(mode)")
        print("stored: \(storedSize) bytes with \(codec) (\(String(format: "%.1f", ratio * 100))% of original)")
        print("digest: \(digest)")
        print("time:   \(String(format: "%.3f", seconds)) s (\(String(format: "%.0f", megabytesPerSecond)) MB/s)")
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
