#if canImport(Glibc)
import Glibc
#endif

/// Gives back the memory an idle agent does not need, between check-ins.
///
/// An agent spends almost all its life waiting for the next check-in, and most of its resident
/// memory then is file-backed: pages of its own binary and of libcurl, libcrypto and friends that
/// ran during enrollment, the sync and the self-test. They are clean, so the kernel can always
/// drop them, but until it does they count against the device. `MADV_PAGEOUT` (Linux 5.4+, the
/// mechanism Android uses to compact cached apps) asks it to reclaim them now; code that runs again
/// faults back in from the page cache. Anonymous memory (heap, the loaded models) is never touched,
/// so serving stays exactly as fast once warm.
public enum IdleMemory {
    /// Pages out the process's file-backed mappings. Returns the bytes advised; 0 where unsupported.
    @discardableResult
    public static func releaseFileBackedPages() -> Int {
        #if os(Linux)
        let maps = readFile("/proc/self/maps")
        var advised = 0
        for line in maps.split(separator: "\n") {
            // address perms offset dev inode path
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[5].hasPrefix("/"), fields[4] != "0" else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                let pointer = UnsafeMutableRawPointer(bitPattern: start)
            else { continue }
            if madvise(pointer, Int(end - start), pageOutAdvice) == 0 { advised += Int(end - start) }
        }
        return advised
        #else
        return 0
        #endif
    }

    /// `MADV_PAGEOUT` from linux/mman.h, which Glibc's module map does not export.
    private static let pageOutAdvice: Int32 = 21

    private static func readFile(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
