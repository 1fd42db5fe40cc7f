import FleetCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The device's content-addressed chunk store: decoded, verified chunk bytes under `root/ab/<hex>`.
///
/// A chunk enters only after its bytes hashed to its name, through temp file → fsync → rename, so
/// whatever is in the store is right and whole. Downloads in progress live in `partial/` and resume
/// from their length after a crash.
struct LocalChunkStore: Sendable {
    let root: String

    init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/partial", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/incoming", withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/incoming")) ?? [] {
            try? FileManager.default.removeItem(atPath: root + "/incoming/" + name)
        }
    }

    func path(of digest: Digest) -> String {
        let hex = digest.hex
        return "\(root)/\(hex.prefix(2))/\(hex)"
    }

    /// Where the stored (compressed) bytes of a chunk accumulate while downloading.
    func partialPath(of digest: Digest, codec: ChunkCodec) -> String {
        "\(root)/partial/\(digest.hex).\(codec)"
    }

    func contains(_ digest: Digest) -> Bool {
        FileManager.default.fileExists(atPath: path(of: digest))
    }

    /// A stored chunk's bytes, checked again: a chunk damaged on disk since it was verified is removed
    /// (so the next sync fetches it afresh) and reported, never used.
    func read(_ digest: Digest) throws -> [UInt8] {
        let file = try ReadOnlyFile(path: path(of: digest))
        let bytes = try file.read(count: Int(file.size), at: 0)
        let actual = Digest.of(bytes)
        guard actual == digest else {
            try? FileManager.default.removeItem(atPath: path(of: digest))
            throw FleetError.corruptChunk(
                digest: digest, reason: "damaged on disk since it was verified (now hashes to \(actual)); removed, it will be fetched again")
        }
        return bytes
    }

    /// Deletes every stored chunk not in `keep` (and abandoned partial downloads).
    func removeAll(except keep: Set<Digest>) {
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where folder.count == 2 {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? [] {
                guard let digest = try? Digest(parsing: "sha256:" + name), !keep.contains(digest) else { continue }
                try? FileManager.default.removeItem(atPath: "\(root)/\(folder)/\(name)")
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/partial")) ?? [] {
            try? FileManager.default.removeItem(atPath: root + "/partial/" + name)
        }
    }

    /// Decodes a completed download, verifies it, and moves it into the store. A download that does not
    /// verify is deleted (so the next attempt fetches it afresh) and the error names the chunk.
    func admit(_ chunk: Manifest.Chunk) throws {
        let partial = partialPath(of: chunk.digest, codec: chunk.codec)
        let stored = try ReadOnlyFile(path: partial)
        let bytes: [UInt8]
        do {
            let raw = try stored.read(count: Int(stored.size), at: 0)
            guard raw.count == chunk.storedLength else {
                throw FleetError.corruptChunk(digest: chunk.digest, reason: "downloaded \(raw.count) stored bytes, expected \(chunk.storedLength)")
            }
            bytes = try raw.withUnsafeBytes { try ChunkCompressor().decode($0, codec: chunk.codec, length: chunk.length, digest: chunk.digest) }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        let final = path(of: chunk.digest)
        let directory = String(final[..<(final.lastIndex(of: "/") ?? final.endIndex)])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(root)/incoming/\(chunk.digest.hex)"
        try DurableWrite.write(bytes, to: temporary)
        try DurableWrite.rename(temporary, to: final, directory: directory)
        try? FileManager.default.removeItem(atPath: partial)
    }
}
