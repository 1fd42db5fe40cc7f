public import FleetCore
import Foundation
import GRDB

/// `modelfleet-registry restore BACKUP`: a backup made by `RegistryBackup` back into a data directory,
/// for a registry that devices keep syncing from (their tokens, versions and rollouts are in the database).
///
/// Everything is checked before the registry can start on it: the database against the digest in
/// `backup.json`, every chunk against its own digest. The database is written last, so a restore that
/// fails (or is killed) leaves no `registry.sqlite` and the folder is not mistaken for a registry; a
/// failed restore removes what it wrote.
public enum RegistryRestore {
    public static func restore(from backup: String, dataDirectory: String) throws -> BackupReport {
        let manifest = try readManifest(backup)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: dataDirectory) {
            guard (try fileManager.contentsOfDirectory(atPath: dataDirectory)).isEmpty else {
                throw BackupFailure("\(dataDirectory) is not empty; restore into a new or empty folder (a registry's data is never overwritten)")
            }
        }
        let database = backup + "/" + RegistryBackup.databaseName
        let found = try RegistryBackup.fileDigest(database)
        guard found == manifest.database else {
            throw BackupFailure("\(database) does not match backup.json (\(found), expected \(manifest.database)); the backup is damaged")
        }
        do {
            try fileManager.createDirectory(atPath: dataDirectory + "/chunks/incoming", withIntermediateDirectories: true)
            let copied = try copyChunks(from: backup + "/chunks", to: dataDirectory + "/chunks", recordedIn: database)
            try copyDurably(database, to: dataDirectory + "/" + RegistryBackup.databaseName)
            var restored = manifest
            restored.chunks = copied
            return BackupReport(folder: dataDirectory, manifest: restored, dropped: 0, action: "restored into")
        } catch {
            try? fileManager.removeItem(atPath: dataDirectory + "/chunks")
            try? fileManager.removeItem(atPath: dataDirectory + "/" + RegistryBackup.databaseName + ".partial")
            throw error
        }
    }

    static func readManifest(_ backup: String) throws -> BackupManifest {
        guard let data = FileManager.default.contents(atPath: backup + "/" + BackupManifest.fileName) else {
            throw BackupFailure("\(backup) is not a finished backup (no \(BackupManifest.fileName))")
        }
        let manifest: BackupManifest
        do { manifest = try JSONDecoder().decode(BackupManifest.self, from: data) } catch {
            throw BackupFailure("\(backup)/\(BackupManifest.fileName) is unreadable: \(error)")
        }
        guard manifest.format == BackupManifest.currentFormat else {
            throw BackupFailure("\(backup) is backup format \(manifest.format); this registry reads format \(BackupManifest.currentFormat)")
        }
        return manifest
    }

    /// Every chunk the database records: verified and written, or copied as quarantined when the backup
    /// holds it so. A recorded chunk the backup has neither way means the backup is incomplete.
    private static func copyChunks(from source: String, to target: String, recordedIn database: String) throws -> Int {
        let queue = try DatabaseQueue(path: database, configuration: RegistryBackup.readOnly)
        defer { try? queue.close() }
        var copied = 0
        var after: Digest? = nil
        while true {
            let start = after
            let page = try queue.read { try RegistryBackup.chunkPage($0, after: start) }
            guard let last = page.last else { break }
            for record in page {
                let quarantined = FileChunkStore.quarantinePath(root: source, digest: record.digest, codec: record.codec)
                if let bytes = RegistryBackup.intactBytes(of: record, in: source) {
                    try FileChunkStore.writeDurably(
                        bytes, to: FileChunkStore.path(root: target, digest: record.digest, codec: record.codec),
                        through: target + "/incoming/" + record.digest.hex, digest: record.digest)
                    copied += 1
                } else if FileManager.default.fileExists(atPath: quarantined) {
                    try FileManager.default.createDirectory(atPath: target + "/quarantine", withIntermediateDirectories: true)
                    let destination = FileChunkStore.quarantinePath(root: target, digest: record.digest, codec: record.codec)
                    try FileManager.default.copyItem(atPath: quarantined, toPath: destination)
                    try? FileManager.default.copyItem(atPath: quarantined + ".reason", toPath: destination + ".reason")
                } else {
                    let state =
                        FileManager.default.fileExists(atPath: FileChunkStore.path(root: source, digest: record.digest, codec: record.codec))
                        ? "does not match its digest" : "is missing"
                    throw BackupFailure("chunk \(record.digest) in the backup \(state); the backup is damaged and nothing was restored")
                }
            }
            after = last.digest
        }
        return copied
    }

    /// Copies through `.partial`, fsyncs and renames, so `registry.sqlite` appears whole or not at all.
    private static func copyDurably(_ source: String, to destination: String) throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw BackupFailure("cannot read \(source)") }
        defer { try? input.close() }
        let partial = destination + ".partial"
        try DurableWrite.stream(to: partial) { append in
            while let block = try input.read(upToCount: 1 << 20), !block.isEmpty { try append([UInt8](block)) }
        }
        try DurableWrite.rename(partial, to: destination, directory: (destination as NSString).deletingLastPathComponent)
    }
}
