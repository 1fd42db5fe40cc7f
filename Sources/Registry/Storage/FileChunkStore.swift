public import FleetCore
import Foundation
public import NIOCore
import _NIOFileSystem

/// Chunks as files under `root/ab/cd/<hex>.<codec>`: write to `root/incoming`, fsync, rename, fsync
/// the directory. A crash mid-write leaves only a file in `incoming`, which `init` clears.
///
/// The codec is part of the file name so two publishers uploading one chunk in different stored forms
/// at once cannot mix: the metadata store decides which form is served, and each form is whole.
public struct FileChunkStore: ChunkBlobStore {
    public let root: String
    private var incoming: String { root + "/incoming" }

    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/incoming", withIntermediateDirectories: true)
        // Partial uploads from a previous run are garbage: none of them was ever visible.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/incoming")) ?? [] {
            try? FileManager.default.removeItem(atPath: root + "/incoming/" + name)
        }
    }

    func path(for digest: Digest, codec: ChunkCodec) -> String {
        let hex = digest.hex
        return "\(root)/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex).\(codec)"
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

    public func write(_ bytes: [UInt8], digest: Digest, codec: ChunkCodec) async throws {
        let final = path(for: digest, codec: codec)
        let directory = String(final[..<(final.lastIndex(of: "/") ?? final.endIndex)])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(incoming)/\(digest.hex).\(UUID().uuidString)"
        try DurableWrite.write(bytes, to: temporary)
        try DurableWrite.rename(temporary, to: final, directory: directory)
    }
}
