import FleetCore
import Foundation

/// Whole model files for OCI layer downloads, assembled from their chunks once and kept on disk.
///
/// The registry stores chunks, not files; an OCI client asks for a file by its digest. Each chunk is read
/// through `ChunkIntegrity` (a corrupt one is quarantined, never served), decoded and checked against its
/// digest, and the whole file is checked against the manifest's file digest before it enters the cache (temp
/// file, fsync, rename): a cached file is always a verified one. Concurrent requests for the same file share
/// one assembly. Past `budgetBytes` the least recently used files are removed.
actor OCIBlobCache {
    let directory: String
    let budgetBytes: UInt64
    private let store: any MetadataStore
    private let integrity: ChunkIntegrity
    private var assembling: [Digest: Task<String, any Error>] = [:]

    /// The default budget: a few large models; the cache refills from chunks on demand.
    static let defaultBudgetBytes: UInt64 = 4 << 30

    init(directory: String, store: any MetadataStore, integrity: ChunkIntegrity, budgetBytes: UInt64 = defaultBudgetBytes) {
        self.directory = directory
        self.store = store
        self.integrity = integrity
        self.budgetBytes = budgetBytes
    }

    /// The path of the verified file, assembling it first if it is not cached.
    func path(of file: Manifest.File) async throws -> String {
        let path = directory + "/" + file.digest.hex
        if FileManager.default.fileExists(atPath: path) {
            // Touch it: eviction removes the least recently used first.
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
            return path
        }
        if let running = assembling[file.digest] { return try await running.value }
        let task = Task { [directory, store, integrity] in
            try await Self.assemble(file, into: path, directory: directory, store: store, integrity: integrity)
        }
        assembling[file.digest] = task
        defer { assembling[file.digest] = nil }
        let assembled = try await task.value
        evictBeyondBudget(keeping: assembled)
        return assembled
    }

    private static func assemble(
        _ file: Manifest.File, into path: String, directory: String, store: any MetadataStore, integrity: ChunkIntegrity
    ) async throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".partial-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: temporary)
        else { throw FleetError.io(path: temporary, operation: "create", errno: errno) }
        var kept = false
        defer {
            try? handle.close()
            if !kept { try? FileManager.default.removeItem(atPath: temporary) }
        }
        let records = try await store.chunks(Array(Set(file.chunks.map(\.digest))))
        var hasher = DigestHasher()
        let compressor = ChunkCompressor()
        for chunk in file.chunks.sorted(by: { $0.offset < $1.offset }) {
            guard let record = records[chunk.digest], let stored = try await integrity.verifiedBytes(record) else {
                throw StorageError.notFound("chunk \(chunk.digest) of \(file.path) is not stored on the registry")
            }
            let bytes = try stored.withUnsafeReadableBytes {
                try compressor.decode($0, codec: record.codec, length: record.length, digest: record.digest)
            }
            hasher.update(bytes)
            try handle.write(contentsOf: bytes)
        }
        let actual = hasher.finalize()
        guard actual == file.digest else {
            throw FleetError.digestMismatch(subject: "\(file.path) assembled from its chunks", expected: file.digest, actual: actual)
        }
        try handle.synchronize()
        guard rename(temporary, path) == 0 else { throw FleetError.io(path: path, operation: "rename", errno: errno) }
        kept = true
        return path
    }

    /// Removes the least recently used files until the cache fits its budget (never `keeping`, just served).
    private func evictBeyondBudget(keeping: String) {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return }
        var files: [(path: String, size: UInt64, used: Date)] = names.filter { !$0.contains(".partial-") }.compactMap { name in
            let path = directory + "/" + name
            guard let attributes = try? manager.attributesOfItem(atPath: path) else { return nil }
            return (path, (attributes[.size] as? NSNumber)?.uint64Value ?? 0, attributes[.modificationDate] as? Date ?? .distantPast)
        }
        var total = files.reduce(UInt64(0)) { $0 + $1.size }
        files.sort { $0.used < $1.used }
        for file in files where total > budgetBytes && file.path != keeping {
            try? manager.removeItem(atPath: file.path)
            total -= file.size
        }
    }
}
