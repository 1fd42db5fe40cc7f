#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A model file read into one 64-byte-aligned buffer that its weights then borrow from.
///
/// Reading (rather than mapping) keeps the buffer writable, so a weight whose bytes sit at an
/// unaligned offset can be slid back a few bytes over its own already-parsed header instead of
/// being copied: a model's weights end up in memory once, not twice.
final class ModelBytes: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let count: Int
    /// Payloads already slid to an aligned address, as (original start, new start) sorted by
    /// original start: keeps a second materialization of the same tensor from reading the shifted
    /// bytes at the old offset. A sorted array, not a dictionary: a quarter of the bytes, and
    /// tensors are mostly materialized in file order, so inserts land at the end.
    private var relocated: [(from: Int, to: Int)] = []

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    init(bytes: some Collection<UInt8>) {
        count = bytes.count
        base = try UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
        var offset = 0
        for byte in bytes {
            base.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
    }

    /// Reads the whole file at `path`.
    init(contentsOf path: String) throws(EngineError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EngineError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw EngineError.io("cannot stat \(path): \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw EngineError.io("\(path) is not a regular file") }
        let size = Int(info.st_size)
        base = try UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 64)
        var filled = 0
        while filled < size {
            let n = read(fd, base + filled, size - filled)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                base.deallocate()
                throw EngineError.io("cannot read \(path) (\(filled) of \(size) bytes): \(n < 0 ? String(cString: strerror(errno)) : "file shrank")")
            }
            filled += n
        }
        count = size
    }

    deinit { base.deallocate() }

    /// Forgets the relocation table once every tensor is materialized (the load is over).
    func finishLoading() { relocated = [] }

    /// Where `offset` is or would be inserted in `relocated`.
    private func relocatedIndex(of offset: Int) -> Int {
        var low = 0
        var high = relocated.count
        while low < high {
            let middle = (low + high) / 2
            if relocated[middle].from < offset { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// A pointer to `range`'s bytes at an address aligned to `alignment`, moving them back over
    /// bytes at or after `floor` (already parsed) when they are misaligned; nil when there is no room.
    func aligned(_ range: Range<Int>, alignment: Int, floor: Int) -> UnsafeMutableRawPointer? {
        let position = relocatedIndex(of: range.lowerBound)
        if position < relocated.count && relocated[position].from == range.lowerBound { return base + relocated[position].to }
        let misalignment = Int(bitPattern: base + range.lowerBound) % alignment
        if misalignment == 0 { return base + range.lowerBound }
        let target = range.lowerBound - misalignment
        guard target >= floor else { return nil }
        (base + target).copyMemory(from: base + range.lowerBound, byteCount: range.count)
        relocated.insert((range.lowerBound, target), at: position)
        return base + target
    }
}
