import FleetCore
import Foundation
import NIOCore

/// One model file being written from its chunks into the OCI blob cache: decoded, hashed and appended
/// chunk by chunk into a temporary file that becomes the cached file only once the whole file matches the
/// manifest's digest (fsync, then rename). Synchronous on purpose (`OCIBlobCache.assemble` only awaits), and
/// an assembly dropped before `finish` deletes its temporary file.
final class BlobAssembly {
    private let file: Manifest.File
    private let path: String
    private let temporary: String
    private let handle: FileHandle
    private var hasher = DigestHasher()
    private let compressor = ChunkCompressor()
    private var finished = false

    init(file: Manifest.File, path: String, directory: String) throws {
        self.file = file
        self.path = path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        temporary = path + ".partial-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: temporary)
        else { throw FleetError.io(path: temporary, operation: "create", errno: errno) }
        self.handle = handle
    }

    deinit {
        try? handle.close()
        if !finished { try? FileManager.default.removeItem(atPath: temporary) }
    }

    /// The stored record of `chunk`; `notFound` when the registry has none.
    func record(for chunk: Manifest.Chunk, in records: [Digest: ChunkRecord]) throws -> ChunkRecord {
        guard let record = records[chunk.digest] else {
            throw StorageError.notFound("chunk \(chunk.digest) of \(file.path) is not recorded on the registry")
        }
        return record
    }

    /// Decodes the chunk's verified stored bytes (nil: not stored) and appends them.
    func append(_ stored: ByteBuffer?, record: ChunkRecord) throws {
        guard let stored else { throw StorageError.notFound("chunk \(record.digest) of \(file.path) is not stored on the registry") }
        let bytes = try stored.withUnsafeReadableBytes { try compressor.decode($0, codec: record.codec, length: record.length, digest: record.digest) }
        hasher.update(bytes)
        try handle.write(contentsOf: bytes)
    }

    /// Checks the whole file against the manifest's digest, makes it durable and moves it into place.
    func finish() throws -> String {
        let actual = hasher.finalize()
        guard actual == file.digest else {
            throw FleetError.digestMismatch(subject: "\(file.path) assembled from its chunks", expected: file.digest, actual: actual)
        }
        try handle.synchronize()
        guard rename(temporary, path) == 0 else { throw FleetError.io(path: path, operation: "rename", errno: errno) }
        finished = true
        return path
    }
}
