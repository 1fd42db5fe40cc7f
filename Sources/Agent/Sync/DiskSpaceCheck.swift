import FleetCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Refuses a download that cannot fit (free space, or the configured budget) before it starts, so a
/// full disk never leaves a half-fetched version behind. Over budget, old versions are collected first.
struct DiskSpaceCheck: Sendable {
    let dataDirectory: String
    /// Total bytes the agent may keep; nil: only the free space limits it.
    let budgetBytes: UInt64?
    let installer: Installer

    func refusal(for plan: ChunkPlan) -> String? {
        let incoming = plan.peakBytes
        var disk = statvfs()
        if statvfs(dataDirectory, &disk) == 0 {
            let free = UInt64(disk.f_bavail) * UInt64(disk.f_frsize)
            if incoming > free { return "needs \(incoming) bytes of disk, \(free) free" }
        }
        if let budgetBytes {
            var used = Self.bytes(under: dataDirectory)
            if used + incoming > budgetBytes {
                // Versions that are neither live nor the rollback target, and chunks only they used, go first.
                installer.collectGarbage(alsoKeeping: plan.manifest)
                used = Self.bytes(under: dataDirectory)
            }
            if used + incoming > budgetBytes { return "needs \(incoming) bytes; \(used) of the \(budgetBytes)-byte disk budget are in use" }
        }
        return nil
    }

    /// Bytes used by regular files under a folder.
    static func bytes(under directory: String) -> UInt64 {
        var total: UInt64 = 0
        for relative in (try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? [] {
            var info = stat()
            if lstat(directory + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { total += UInt64(info.st_size) }
        }
        return total
    }
}
