/// How a chunk's bytes are stored: an optional byte-shuffle filter followed by a compressor.
///
/// Written in manifests as one token: `identity`, `zlib`, `zstd`, `zlib+shuffle4`, `zstd+shuffle2`, …
/// The shuffle filter splits fixed-width values into byte planes (all first bytes, then all second
/// bytes, …): the exponent bytes of float weights are alike and compress well once they sit together.
public struct ChunkCodec: Hashable, Sendable, CustomStringConvertible {
    public enum Compressor: String, Sendable, CaseIterable {
        case identity, zlib, zstd
    }

    public var compressor: Compressor
    /// Element width the shuffle filter splits on; 1 means no shuffle.
    public var shuffleWidth: Int

    public static let identity = ChunkCodec(compressor: .identity, shuffleWidth: 1)
    static let shuffleWidths = [2, 4, 8]

    public init(compressor: Compressor, shuffleWidth: Int = 1) {
        self.compressor = compressor
        self.shuffleWidth = compressor == .identity ? 1 : shuffleWidth
    }

    public init(parsing name: String) throws {
        let parts = name.split(separator: "+", omittingEmptySubsequences: false)
        guard let compressor = Compressor(rawValue: String(parts[0])), parts.count <= 2 else {
            throw FleetError.unknownCodec(name)
        }
        var width = 1
        if parts.count == 2 {
            guard compressor != .identity, parts[1].hasPrefix("shuffle"),
                let parsed = Int(parts[1].dropFirst("shuffle".count)), Self.shuffleWidths.contains(parsed)
            else { throw FleetError.unknownCodec(name) }
            width = parsed
        }
        self.init(compressor: compressor, shuffleWidth: width)
    }

    public var description: String {
        shuffleWidth > 1 ? "\(compressor.rawValue)+shuffle\(shuffleWidth)" : compressor.rawValue
    }

    /// Every accepted name, for error messages.
    public static var allNames: [String] {
        Compressor.allCases.flatMap { compressor in
            compressor == .identity ? ["identity"] : ["\(compressor.rawValue)"] + shuffleWidths.map { "\(compressor.rawValue)+shuffle\($0)" }
        }
    }
}

extension ChunkCodec: ParsedStringCodable {}
