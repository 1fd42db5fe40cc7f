import Foundation
import TestProcesses

/// A real filesystem of a few MiB (a tmpfs mount) that a test can fill up, so "disk full" is the
/// kernel's ENOSPC rather than a simulation. Mounting needs root (CAP_SYS_ADMIN): where that is
/// missing, `isAvailable` is false and the tests using it are skipped, saying why.
final class SmallFilesystem {
    let path: String
    private var filler: String { path + "/filler" }

    /// Mounts and unmounts one probe, once per test run.
    static let isAvailable: Bool = {
        guard let probe = try? SmallFilesystem(megabytes: 1) else { return false }
        _ = probe
        return true
    }()

    init(megabytes: Int) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("small-fs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]) == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    /// Writes one file until the filesystem refuses another byte.
    func fill() {
        let fd = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        for size in [1 << 16, 4096, 512, 1] {
            let block = [UInt8](repeating: 0xAB, count: size)
            while block.withUnsafeBytes({ write(fd, $0.baseAddress, size) }) == size {}
        }
    }

    func freeSpace() {
        unlink(filler)
    }

    deinit {
        _ = Self.run("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func run(_ program: String, _ arguments: [String]) -> Int32 {
        let process = SpawnedProcess()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
