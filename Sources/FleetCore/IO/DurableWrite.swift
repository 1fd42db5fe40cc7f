#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX steps that make a write survive power loss: write, fsync the file, rename, fsync the folder.
/// Shared by the registry's chunk store and the agent's chunk store, versions and identity files.
public enum DurableWrite {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try stream(to: path) { append in try append(bytes) }
    }

    /// Creates `path`, lets `body` append pieces to it (so a large file never sits in memory whole),
    /// then fsyncs it.
    public static func stream(to path: String, _ body: (_ append: ([UInt8]) throws -> Void) throws -> Void) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FleetError.io(path: path, operation: "create", errno: errno) }
        defer { close(fd) }
        var offset = 0
        try body { bytes in
            var done = 0
            while done < bytes.count {
                let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FleetError.io(path: path, operation: "write", errno: errno)
                }
                done += written
            }
            offset += bytes.count
        }
        guard fsync(fd) == 0 else { throw FleetError.io(path: path, operation: "fsync", errno: errno) }
    }

    public static func rename(_ from: String, to: String, directory: String) throws {
        guard renameFile(from, to) == 0 else { throw FleetError.io(path: to, operation: "rename into place", errno: errno) }
        syncDirectory(directory)
    }

    private static func renameFile(_ from: String, _ to: String) -> Int32 {
        #if canImport(Glibc)
        Glibc.rename(from, to)
        #else
        Darwin.rename(from, to)
        #endif
    }

    public static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// Points `link` at `target` atomically: a new symlink beside it, renamed over it.
    public static func repoint(_ link: String, to target: String, directory: String) throws {
        let temporary = link + ".new"
        unlink(temporary)
        guard symlink(target, temporary) == 0 else { throw FleetError.io(path: temporary, operation: "symlink", errno: errno) }
        try rename(temporary, to: link, directory: directory)
    }
}
