public import FleetCore
import Foundation
public import NIOCore
import _NIOFileSystem

/// Chunks as files under `root/ab/cd/<hex>.<codec>`: write to `root/incoming`, fsync, rename, fsync
/// the directory. A crash mid-write leaves only a file in `incoming`, which `init` clears. Bytes that
/// fail verification move to `root/quarantine/<hex>.<codec>`, beside a `.reason` file saying why.
///
/// The codec is part of the file name so two publishers uploading one chunk in different stored forms
/// at once cannot mix: the metadata store decides which form is served, and each form is whole.
public struct FileChunkStore: ChunkBlobStore {
    public let root: String
    private var incoming: String { root + "/incoming" }
    private var quarantineDirectory: String { root + "/quarantine" }

    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/incoming", withIntermediateDirectories: true)
        // Partial uploads from a previous run are garbage: none of them was ever visible.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/incoming")) ?? [] {
            try? FileManager.default.removeItem(atPath: root + "/incoming/" + name)
        }
    }

    func path(for digest: Digest, codec: ChunkCodec) -> String { Self.path(root: root, digest: digest, codec: codec) }

    func quarantinePath(for digest: Digest, codec: ChunkCodec) -> String { Self.quarantinePath(root: root, digest: digest, codec: codec) }

    /// The layout, for tools that read a store without opening it (`init` clears `incoming/`, which
    /// must not happen under a running server): backup and restore.
    static func path(root: String, digest: Digest, codec: ChunkCodec) -> String {
        let hex = digest.hex
        return "\(root)/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex).\(codec)"
    }

    static func quarantinePath(root: String, digest: Digest, codec: ChunkCodec) -> String {
        "\(root)/quarantine/\(digest.hex).\(codec)"
    }

    public func quarantine(_ digest: Digest, codec: ChunkCodec, reason: String) async throws {
        let (from, to, directory) = (path(for: digest, codec: codec), quarantinePath(for: digest, codec: codec), quarantineDirectory)
        try await OffloadedWork.run { try Self.moveAside(from, to: to, directory: directory, digest: digest, reason: reason) }
    }

    /// The move needs no space, so it comes first; the `.reason` note is best effort (a full disk must
    /// not keep bad bytes in service). Synchronous for its do/catch (docs/decisions.md, "Swift 6.3 hazard").
    private static func moveAside(_ from: String, to: String, directory: String, digest: Digest, reason: String) throws {
        do {
            try makeDirectory(directory)
            try DurableWrite.rename(from, to: to, directory: directory)
        } catch FleetError.io(_, let operation, let code) {
            throw StorageFailure.chunkWrite(digest, operation: "quarantine (\(operation))", errno: code)
        }
        try? DurableWrite.write(Array("\(Timestamp.now()) \(digest): \(reason)\n".utf8), to: to + ".reason")
    }

    public func isQuarantined(_ digest: Digest, codec: ChunkCodec) async -> Bool {
        FileManager.default.fileExists(atPath: quarantinePath(for: digest, codec: codec))
            && !FileManager.default.fileExists(atPath: path(for: digest, codec: codec))
    }

    /// Lists the quarantine folder (normally empty or nearly so) rather than looking up every
    /// chunk a query names.
    public func quarantinedDigests() async throws -> Set<Digest> {
        let (directory, store) = (quarantineDirectory, self)
        return try await OffloadedWork.run {
            var found = Set<Digest>()
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !name.hasSuffix(".reason") {
                let parts = name.split(separator: ".", maxSplits: 1)
                guard parts.count == 2, let digest = try? Digest(parsing: Digest.prefix + parts[0]),
                    let codec = try? ChunkCodec(parsing: String(parts[1])),
                    !FileManager.default.fileExists(atPath: store.path(for: digest, codec: codec))
                else { continue }
                found.insert(digest)
            }
            return found
        }
    }

    public func read(_ digest: Digest, codec: ChunkCodec, storedLength: Int) async throws -> ByteBuffer? {
        do {
            return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path(for: digest, codec: codec))) { handle in
                try await handle.readToEnd(maximumSizeAllowed: .bytes(Int64(storedLength)))
            }
        } catch let error as FileSystemError where error.code == .notFound {
            return nil
        }
    }

    public func delete(_ digest: Digest, codec: ChunkCodec) async throws {
        let path = path(for: digest, codec: codec)
        try await OffloadedWork.run {
            guard unlink(path) == 0 || errno == ENOENT else { throw StorageFailure.chunkWrite(digest, operation: "delete", errno: errno) }
        }
    }

    public func storedForms(shard: UInt8) async throws -> [StoredBlob] {
        let directory = root + "/" + Hex.encode([shard])
        return try await OffloadedWork.run {
            var found: [StoredBlob] = []
            for middle in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                let folder = directory + "/" + middle
                for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                    let parts = name.split(separator: ".", maxSplits: 1)
                    var info = stat()
                    guard parts.count == 2, let digest = try? Digest(parsing: Digest.prefix + parts[0]),
                        let codec = try? ChunkCodec(parsing: String(parts[1])), stat(folder + "/" + name, &info) == 0
                    else { continue }
                    found.append(StoredBlob(digest: digest, codec: codec, writtenAt: Timestamp(secondsSinceEpoch: Int64(info.st_mtim.tv_sec))))
                }
            }
            return found
        }
    }

    /// On any failure the temporary file is removed at once (a full disk must not stay full of
    /// partial uploads), and the error names the chunk, never this server's paths.
    public func write(_ bytes: [UInt8], digest: Digest, codec: ChunkCodec) async throws {
        let final = path(for: digest, codec: codec)
        let temporary = "\(incoming)/\(digest.hex).\(UUID().uuidString)"
        try await OffloadedWork.run { try Self.writeDurably(bytes, to: final, through: temporary, digest: digest) }
    }

    /// Synchronous: blocking file I/O and its do/catch mapping (docs/decisions.md, "Swift 6.3 hazard").
    static func writeDurably(_ bytes: [UInt8], to final: String, through temporary: String, digest: Digest) throws {
        let directory = String(final[..<(final.lastIndex(of: "/") ?? final.endIndex)])
        do {
            try makeDirectory(String(directory[..<(directory.lastIndex(of: "/") ?? directory.endIndex)]))
            try makeDirectory(directory)
            try DurableWrite.write(bytes, to: temporary)
            try DurableWrite.rename(temporary, to: final, directory: directory)
        } catch FleetError.io(_, let operation, let code) {
            unlink(temporary)
            throw StorageFailure.chunkWrite(digest, operation: operation, errno: code)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw FleetError.io(path: path, operation: "create a directory for", errno: errno) }
    }
}
