import CSQLite
import FleetCore

/// A minimal SQLite connection over the C API: statements with text parameters, rows of text.
/// Enough for the journal, without the Foundation that GRDB would bring onto devices.
final class SQLiteDatabase {
    private var handle: OpaquePointer?
    let path: String

    init(path: String) throws {
        self.path = path
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw FleetError.io(path: path, operation: "open journal (\(message))", errno: 5)
        }
        sqlite3_busy_timeout(handle, 5000)
        // WAL + FULL: a committed journal entry survives power loss, and readers never block the writer.
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
    }

    deinit { sqlite3_close(handle) }

    private func failure(_ sql: String) -> FleetError {
        .io(path: path, operation: "run '\(sql.prefix(60))' (\(String(cString: sqlite3_errmsg(handle))))", errno: 5)
    }

    /// Runs one statement; returns its rows as text columns (nil for NULL).
    @discardableResult
    func execute(_ sql: String, _ arguments: [String?] = []) throws -> [[String?]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else { throw failure(sql) }
        defer { sqlite3_finalize(statement) }
        for (index, argument) in arguments.enumerated() {
            let status = argument.map { modelfleet_sqlite3_bind_text(statement, Int32(index + 1), $0) } ?? sqlite3_bind_null(statement, Int32(index + 1))
            guard status == SQLITE_OK else { throw failure(sql) }
        }
        var rows: [[String?]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { return rows }
            guard step == SQLITE_ROW else { throw failure(sql) }
            rows.append(
                (0..<sqlite3_column_count(statement)).map { column in
                    sqlite3_column_text(statement, column).map { String(cString: $0) }
                })
        }
    }

    /// Runs `body` in one transaction: all of it is committed, or none of it.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }
}
