/// Finds content-defined chunk boundaries with a FastCDC-style gear hash.
///
/// The rolling hash is `h = (h << 1) + gear[byte]`, so its top bits depend only on the last 64 bytes:
/// a boundary depends on local content, and an insertion early in a file shifts boundaries only until
/// the hash resynchronises, usually within one chunk. Normalised chunking (a stricter mask before the
/// target size, a looser one after) narrows the size distribution around the target.
///
/// The gear table is generated from a fixed seed, never from randomness at run time: every machine must
/// cut the same bytes at the same places, or dedup across publishers and versions breaks.
struct GearCutter: Sendable {
    let parameters: ChunkingParameters
    private let strictMask: UInt64
    private let looseMask: UInt64

    init(parameters: ChunkingParameters) {
        self.parameters = parameters
        let bits = parameters.targetSize.trailingZeroBitCount
        // Normalisation level 2: two bits harder before the target, two bits easier after it.
        strictMask = ~UInt64(0) << UInt64(64 - (bits + 2))
        looseMask = ~UInt64(0) << UInt64(64 - max(bits - 2, 1))
    }

    /// The length of the next chunk at the start of `buffer`.
    ///
    /// `buffer` must hold at least `maxSize` bytes unless it reaches the end of the segment being
    /// chunked; the result is then a boundary that does not depend on where the caller's read ended.
    func cut(_ buffer: UnsafeRawBufferPointer) -> Int {
        let available = buffer.count
        if available <= parameters.minSize { return available }
        let limit = min(available, parameters.maxSize)
        let normal = min(parameters.targetSize, limit)
        let bytes = buffer.bindMemory(to: UInt8.self)
        return GearTable.shared.withUnsafeBufferPointer { gear in
            var hash: UInt64 = 0
            var index = parameters.minSize
            while index < normal {
                hash = (hash &<< 1) &+ gear[Int(bytes[index])]
                if hash & strictMask == 0 { return index + 1 }
                index &+= 1
            }
            while index < limit {
                hash = (hash &<< 1) &+ gear[Int(bytes[index])]
                if hash & looseMask == 0 { return index + 1 }
                index &+= 1
            }
            return limit
        }
    }
}

/// 256 pseudo-random 64-bit values from SplitMix64 with a fixed seed (part of the artifact format).
enum GearTable {
    static let seed: UInt64 = 0x4d6f_6465_6c46_6c74  // "ModelFlt"

    static let shared: [UInt64] = {
        var state = seed
        return (0..<256).map { _ in
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }()
}
