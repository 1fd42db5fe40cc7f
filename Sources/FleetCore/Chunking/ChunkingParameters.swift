/// Size bounds for content-defined chunking.
///
/// The defaults (16 KiB / 64 KiB / 256 KiB) balance dedup granularity against per-chunk overhead:
/// one manifest row and one HTTP request per chunk. Changing them changes every chunk name, so they
/// are part of the artifact format, recorded in each manifest file entry.
public struct ChunkingParameters: Hashable, Sendable, Codable {
    public var minSize: Int
    public var targetSize: Int
    public var maxSize: Int

    public static let standard = ChunkingParameters(minSize: 16 << 10, targetSize: 64 << 10, maxSize: 256 << 10)

    public init(minSize: Int, targetSize: Int, maxSize: Int) {
        precondition(minSize > 0 && minSize <= targetSize && targetSize <= maxSize, "chunk sizes must satisfy 0 < min <= target <= max")
        precondition(targetSize & (targetSize - 1) == 0, "target chunk size must be a power of two")
        self.minSize = minSize
        self.targetSize = targetSize
        self.maxSize = maxSize
    }
}
