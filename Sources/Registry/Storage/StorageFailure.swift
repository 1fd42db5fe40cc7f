import FleetCore
import Foundation
import GRDB

/// Turns the operating system's and SQLite's failures into `StorageError`s a client may read.
///
/// Their own messages name the server's files ("cannot write /srv/registry/chunks/incoming/…"), which
/// clients must not see, and a full disk is the operator's to fix, not a bug: it gets a case of its
/// own (507), so a publisher knows a retry can succeed once space is freed.
enum StorageFailure {
    static func isDiskFull(errno code: Int32) -> Bool {
        code == ENOSPC || code == EDQUOT
    }

    /// A chunk file that could not be written or moved into place.
    static func chunkWrite(_ digest: Digest, operation: String, errno code: Int32) -> StorageError {
        if isDiskFull(errno: code) {
            return .full("no space left on the registry's chunk storage: chunk \(digest) was not stored; retry once space is freed")
        }
        return .unavailable("cannot \(operation) chunk \(digest): \(String(cString: strerror(code))) (errno \(code))")
    }

    /// Runs one SQLite transaction; `SQLITE_FULL` becomes `StorageError.full`. Synchronous, so the
    /// do/catch stays out of async code (docs/decisions.md, "Swift 6.3 hazard").
    static func mappingFullDatabase<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw StorageError.full("no space left for the registry's database: the change was not stored; retry once space is freed")
        }
    }
}
