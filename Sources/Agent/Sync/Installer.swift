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

/// Lays out, verifies and swaps model versions on disk, so that nothing half-installed is ever live.
///
/// ```
/// models/<model>/versions/<version>+<variant>/   files of a verified version, plus manifest.json
/// models/<model>/staging/…                       being assembled; never live
/// models/<model>/current  -> versions/…          what is served (one rename(2) changes it)
/// models/<model>/previous -> versions/…          the rollback target
/// ```
struct Installer: Sendable {
    let root: String
    let chunks: LocalChunkStore

    /// What is live for a model: its verified manifest and that manifest's digest.
    struct Active: Sendable {
        var manifest: Manifest
        var digest: Digest
        var directory: String
    }

    func modelDirectory(_ model: String) -> String { "\(root)/\(model)" }

    func active(_ model: String, link: String = "current") -> Active? {
        let directory = "\(modelDirectory(model))/\(link)"
        guard let bytes = try? ReadOnlyFile(path: directory + "/manifest.json"),
            let data = try? bytes.read(count: Int(bytes.size), at: 0),
            let decoded = try? ManifestCoding.decode(data)
        else { return nil }
        return Active(manifest: decoded.manifest, digest: Digest.of(data), directory: directory)
    }

    /// Models with a live version.
    func activeModels() -> [Active] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted().compactMap { active($0) }
    }

    static func versionName(_ manifest: Manifest) -> String { "\(manifest.version)+\(manifest.variant)" }

    /// Assembles every file from the chunk store into a staging folder, checks each file's size and
    /// SHA-256, fsyncs, and moves the folder to `versions/`. Returns the version's folder.
    func stage(_ verified: VerifiedManifest) throws -> String {
        let manifest = verified.manifest
        let base = modelDirectory(manifest.model)
        let final = "\(base)/versions/\(Self.versionName(manifest))"
        if let existing = active(manifest.model, link: "versions/\(Self.versionName(manifest))"), existing.digest == verified.digest {
            return final  // staged before a crash: already whole and verified
        }
        let staging = "\(base)/staging/\(Self.versionName(manifest)).\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(base)/versions", withIntermediateDirectories: true)
        for file in manifest.files {
            let path = "\(staging)/\(file.path)"
            let folder = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            // Chunk by chunk: a model larger than the device's RAM still installs.
            var hasher = DigestHasher()
            var written: UInt64 = 0
            try DurableWrite.stream(to: path) { append in
                for chunk in file.chunks {
                    let bytes = try chunks.read(chunk.digest)
                    hasher.update(bytes)
                    try append(bytes)
                    written += UInt64(bytes.count)
                }
            }
            let actual = hasher.finalize()
            guard written == file.size, actual == file.digest else {
                throw FleetError.digestMismatch(subject: "assembled \(file.path) (\(written) of \(file.size) bytes)", expected: file.digest, actual: actual)
            }
            DurableWrite.syncDirectory(folder)
        }
        try DurableWrite.write(verified.canonicalBytes, to: staging + "/manifest.json")
        DurableWrite.syncDirectory(staging)
        try? FileManager.default.removeItem(atPath: final)  // a leftover from an interrupted earlier stage
        try DurableWrite.rename(staging, to: final, directory: "\(base)/versions")
        return final
    }

    /// Makes `version` live with one rename, keeping what was live as the rollback target.
    func activate(model: String, versionDirectory: String) throws {
        let base = modelDirectory(model)
        let target = "versions/" + String(versionDirectory.split(separator: "/").last ?? "")
        let current = "\(base)/current"
        if let old = try? FileManager.default.destinationOfSymbolicLink(atPath: current), old != target {
            try DurableWrite.repoint("\(base)/previous", to: old, directory: base)
        }
        try DurableWrite.repoint(current, to: target, directory: base)
    }

    /// Deletes versions that are neither `current` nor `previous` of their model, and every chunk that
    /// no kept version (nor `incoming`, about to be installed) uses.
    func collectGarbage(alsoKeeping incoming: Manifest) {
        var keep = Set(incoming.files.flatMap(\.chunks).map(\.digest))
        for model in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let base = modelDirectory(model)
            let links = ["current", "previous"].compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "\(base)/\($0)") }
            for link in ["current", "previous"] {
                if let live = active(model, link: link) { keep.formUnion(live.manifest.files.flatMap(\.chunks).map(\.digest)) }
            }
            for version in (try? FileManager.default.contentsOfDirectory(atPath: "\(base)/versions")) ?? [] where !links.contains("versions/" + version) {
                try? FileManager.default.removeItem(atPath: "\(base)/versions/\(version)")
            }
            try? FileManager.default.removeItem(atPath: "\(base)/staging")
        }
        chunks.removeAll(except: keep)
    }

    /// Swaps `current` and `previous`.
    func rollback(model: String) throws -> Active {
        let base = modelDirectory(model)
        guard let previous = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(base)/previous"),
            let current = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(base)/current")
        else {
            throw FleetError.invalidManifest(reason: "\(model) has no previous version to roll back to")
        }
        try DurableWrite.repoint("\(base)/current", to: previous, directory: base)
        try DurableWrite.repoint("\(base)/previous", to: current, directory: base)
        guard let live = active(model) else { throw FleetError.invalidManifest(reason: "\(model): rolled back to an unreadable version") }
        return live
    }
}
