import FleetCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for appending, for downloads that resume: what is on disk is what arrived.
final class AppendFile {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FleetError.io(path: path, operation: "open for download", errno: errno) }
    }

    deinit { close(descriptor) }

    var size: Int {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FleetError.io(path: path, operation: "write", errno: errno)
            }
            offset += written
        }
    }

    func truncate() throws {
        guard ftruncate(descriptor, 0) == 0 else { throw FleetError.io(path: path, operation: "truncate", errno: errno) }
    }
}
