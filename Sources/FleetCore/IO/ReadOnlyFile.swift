#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for positioned reads (`pread`), closed when the last reference goes away.
///
/// Positioned reads let the ONNX scanner jump over tensor payloads and the chunker stream
/// sequentially without either holding the file in memory.
public final class ReadOnlyFile {
    public let path: String
    public let size: UInt64
    private let descriptor: Int32

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FleetError.io(path: path, operation: "open", errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw FleetError.io(path: path, operation: "stat", errno: code)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FleetError.io(path: path, operation: "read (not a regular file)", errno: EISDIR)
        }
        descriptor = fd
        size = UInt64(info.st_size)
    }

    deinit { close(descriptor) }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read (0 only at end of file).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        var total = 0
        while total < buffer.count {
            let result = pread(descriptor, buffer.baseAddress! + total, buffer.count - total, off_t(offset) + off_t(total))
            if result < 0 {
                if errno == EINTR { continue }
                throw FleetError.io(path: path, operation: "read", errno: errno)
            }
            if result == 0 { break }
            total += result
        }
        return total
    }

    /// Reads exactly `count` bytes at `offset`, or throws if the file ends first.
    public func read(count: Int, at offset: UInt64) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try read(into: $0, at: offset) }
        guard got == count else {
            throw FleetError.io(path: path, operation: "read \(count) bytes at offset \(offset) (file ended)", errno: EIO)
        }
        return bytes
    }
}

/// A forward-moving window over a file: hands out contiguous views of `[offset, offset + count)`
/// while keeping at most `capacity` bytes in memory, so files larger than RAM stream through.
struct SequentialWindow {
    private let file: ReadOnlyFile
    private var storage: UnsafeMutableRawBufferPointer
    private var start: UInt64 = 0
    private var filled = 0

    init(file: ReadOnlyFile, capacity: Int) {
        self.file = file
        storage = .allocate(byteCount: capacity, alignment: 64)
    }

    func deallocate() { storage.deallocate() }

    /// Bytes `[offset, offset + count)`, clamped to the end of the file. Offsets must not move backwards
    /// and `count` must not exceed the capacity.
    mutating func view(at offset: UInt64, count: Int) throws -> UnsafeRawBufferPointer {
        precondition(offset >= start && count <= storage.count, "SequentialWindow only moves forward within its capacity")
        let wanted = min(UInt64(count), file.size - min(offset, file.size))
        if offset + wanted > start + UInt64(filled) {
            let keep = Int(start + UInt64(filled) - min(offset, start + UInt64(filled)))
            if keep > 0 {
                let from = Int(offset - start)
                storage.baseAddress!.copyMemory(from: storage.baseAddress! + from, byteCount: keep)
            }
            start = offset
            filled = keep
            let target = UnsafeMutableRawBufferPointer(rebasing: storage[filled...])
            filled += try file.read(into: target, at: start + UInt64(filled))
        }
        let from = Int(offset - start)
        let available = min(Int(wanted), filled - from)
        return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[from..<(from + available)])
    }
}
