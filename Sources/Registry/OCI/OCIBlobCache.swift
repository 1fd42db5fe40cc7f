import FleetCore
import Foundation

/// Whole model files for OCI layer downloads, assembled from their chunks once and kept on disk.
///
/// The registry stores chunks, not files; an OCI client asks for a file by its digest. Each chunk is read
/// through `ChunkIntegrity` (a corrupt one is quarantined, never served), decoded and checked against its
/// digest, and the whole file is checked against the manifest's file digest before it enters the cache (temp
/// file, fsync, rename): a cached file is always a verified one. Past `budgetBytes` the least recently used
/// files are removed.
actor OCIBlobCache {
    let directory: String
    let budgetBytes: UInt64
    private let store: any MetadataStore
    private let integrity: ChunkIntegrity

    /// The default budget: a few large models; the cache refills from chunks on demand.
    static let defaultBudgetBytes: UInt64 = 4 << 30

    init(directory: String, store: any MetadataStore, integrity: ChunkIntegrity, budgetBytes: UInt64 = defaultBudgetBytes) {
        self.directory = directory
        self.store = store
        self.integrity = integrity
        self.budgetBytes = budgetBytes
    }

    /// The path of the verified file, assembling it first if it is not cached.
    ///
    /// The assembly runs in the caller's task. Two first requests for the same file may both assemble it; each
    /// writes its own temporary file, and the second rename replaces identical bytes.
    nonisolated func path(of file: Manifest.File) async throws -> String {
        let path = directory + "/" + file.digest.hex
        if FileManager.default.fileExists(atPath: path) {
            // Touch it: eviction removes the least recently used first.
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
            return path
        }
        let assembled = try await Self.assemble(file, into: path, directory: directory, store: store, integrity: integrity)
        await evictBeyondBudget(keeping: assembled)
        return assembled
    }

    /// Reads the chunks in order and hands each to a synchronous `BlobAssembly`, which does the decoding,
    /// hashing and file work (and removes its temporary file if this ends early): the async part only awaits.
    private static func assemble(
        _ file: Manifest.File, into path: String, directory: String, store: any MetadataStore, integrity: ChunkIntegrity
    ) async throws -> String {
        let assembly = try BlobAssembly(file: file, path: path, directory: directory)
        let records = try await store.chunks(Array(Set(file.chunks.map(\.digest))))
        for chunk in file.chunks.sorted(by: { $0.offset < $1.offset }) {
            let record = try assembly.record(for: chunk, in: records)
            let stored = try await integrity.verifiedBytes(record)
            try assembly.append(stored, record: record)
        }
        return try assembly.finish()
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
