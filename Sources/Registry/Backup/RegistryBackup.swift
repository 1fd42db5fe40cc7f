public import FleetCore
import Foundation
import GRDB
import NIOCore

/// `modelfleet-registry backup DEST`: a consistent copy of the embedded registry (SQLite and the chunk
/// folder), taken while it serves.
///
/// The database is copied with SQLite's online backup inside one read transaction, so the copy is one
/// moment of the registry. Then every chunk that moment records is read from the live chunk folder,
/// verified against its digest and written to the backup. A recorded chunk whose bytes are gone or bad:
/// if no version references it (a collection raced the backup, or an upload was abandoned) its record is
/// left out; if a version does, the backup holds it quarantined, so the restored registry reports it
/// missing and a push of that version repairs it, as on the source.
///
/// Everything is written to `DEST.partial-…` and renamed to `DEST` at the end, `backup.json` last inside
/// it: a backup cut short is never mistaken for a whole one. Synchronous: file copying and hashing are
/// blocking work, and a command has nothing else to do meanwhile.
public enum RegistryBackup {
    static let databaseName = "registry.sqlite"
    static let pageSize = 1_000

    public static func create(dataDirectory: String, destination: String) throws -> BackupReport {
        let source = dataDirectory + "/" + databaseName
        guard FileManager.default.fileExists(atPath: source) else {
            throw BackupFailure("no registry data in \(dataDirectory) (registry.sqlite is missing)")
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw BackupFailure("\(destination) already exists; a backup goes into a new folder")
        }
        let staging = destination + ".partial-" + UUID().uuidString
        do {
            let report = try fill(staging, from: dataDirectory)
            try DurableWrite.rename(staging, to: destination, directory: (destination as NSString).deletingLastPathComponent)
            return BackupReport(folder: destination, manifest: report.manifest, dropped: report.dropped, action: "backed up to")
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    private static func fill(_ staging: String, from dataDirectory: String) throws -> BackupReport {
        // The copy holds what the registry does (token hashes, devices, the audit log): owner only.
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(atPath: staging + "/chunks/incoming", withIntermediateDirectories: true)
        let database = staging + "/" + databaseName
        let live = try DatabasePool(path: dataDirectory + "/" + databaseName, configuration: readOnly)
        let copy = try DatabaseQueue(path: database)
        try live.backup(to: copy)
        try live.close()

        var copied = 0
        var storedBytes: Int64 = 0
        var absent: [ChunkRecord] = []
        var after: Digest? = nil
        while true {
            let start = after
            let page = try copy.read { try chunkPage($0, after: start) }
            guard let last = page.last else { break }
            for record in page {
                if let bytes = intactBytes(of: record, in: dataDirectory + "/chunks") {
                    try FileChunkStore.writeDurably(
                        bytes, to: FileChunkStore.path(root: staging + "/chunks", digest: record.digest, codec: record.codec),
                        through: staging + "/chunks/incoming/" + record.digest.hex, digest: record.digest)
                    copied += 1
                    storedBytes += Int64(record.storedLength)
                } else {
                    absent.append(record)
                }
            }
            after = last.digest
        }
        let dropped = try copy.write { db in try absent.filter { try dropIfUnreferenced($0, db) } }
        let damaged = absent.filter { !dropped.contains($0) }
        for record in damaged {
            try holdQuarantined(record, in: staging + "/chunks")
        }
        try copy.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try copy.close()
        try? FileManager.default.removeItem(atPath: staging + "/chunks/incoming")

        let manifest = BackupManifest(
            format: BackupManifest.currentFormat, createdAt: .now(), database: try fileDigest(database), chunks: copied,
            storedBytes: storedBytes, damaged: damaged.map(\.digest))
        try DurableWrite.write(try StableJSON.encodeBytes(manifest), to: staging + "/" + BackupManifest.fileName)
        DurableWrite.syncDirectory(staging)
        return BackupReport(folder: staging, manifest: manifest, dropped: dropped.count, action: "backed up to")
    }

    static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return configuration
    }

    static func chunkPage(_ db: Database, after: Digest?) throws -> [ChunkRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM chunks WHERE digest > ? ORDER BY digest LIMIT ?", arguments: [after?.description ?? "", pageSize])
            .map(StoredRecords.chunk)
    }

    /// The chunk's stored bytes if they are there and are the chunk; nil otherwise.
    static func intactBytes(of record: ChunkRecord, in root: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: FileChunkStore.path(root: root, digest: record.digest, codec: record.codec)) else {
            return nil
        }
        let bytes = [UInt8](data)
        return ChunkVerification.problem(in: ByteBuffer(bytes: bytes), record: record) == nil ? bytes : nil
    }

    /// Deletes the chunk's record from the copy when no committed version references it.
    private static func dropIfUnreferenced(_ record: ChunkRecord, _ db: Database) throws -> Bool {
        try db.execute(
            sql: "DELETE FROM chunks WHERE digest = ? AND NOT EXISTS (SELECT 1 FROM version_chunks WHERE version_chunks.digest = chunks.digest)",
            arguments: [record.digest.description])
        return db.changesCount > 0
    }

    /// An empty file in `quarantine/` with the reason beside it: what the registry lists as quarantined,
    /// so it reports the chunk missing until someone uploads it again.
    private static func holdQuarantined(_ record: ChunkRecord, in root: String) throws {
        let path = FileChunkStore.quarantinePath(root: root, digest: record.digest, codec: record.codec)
        try FileManager.default.createDirectory(atPath: root + "/quarantine", withIntermediateDirectories: true)
        try DurableWrite.write([], to: path)
        try DurableWrite.write(Array("\(Timestamp.now()) \(record.digest): missing or damaged in the registry that was backed up\n".utf8), to: path + ".reason")
    }

    /// SHA-256 of a file, read in blocks (a registry's database can be large).
    static func fileDigest(_ path: String) throws -> Digest {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BackupFailure("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = DigestHasher()
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
            hasher.update([UInt8](block))
        }
        return hasher.finalize()
    }
}
