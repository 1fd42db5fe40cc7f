import FleetCore

/// One row of the metadata tables, read by column name. SQLite's rows (GRDB) and PostgreSQL's rows
/// (postgres-nio) both conform, so every record is decoded from its columns in one place (`StoredRecords`),
/// whichever store read it.
///
/// Column names are the SQLite schema's camelCase ones; PostgreSQL folds unquoted names to lower case,
/// and its conformance looks them up that way.
protocol StoredRow {
    func optionalText(_ column: String) throws -> String?
    func optionalInteger(_ column: String) throws -> Int64?
    func optionalReal(_ column: String) throws -> Double?
    func optionalBytes(_ column: String) throws -> [UInt8]?
    func optionalFlag(_ column: String) throws -> Bool?
}

extension StoredRow {
    func text(_ column: String) throws -> String { try present(optionalText(column), column) }
    func integer(_ column: String) throws -> Int64 { try present(optionalInteger(column), column) }
    func bytes(_ column: String) throws -> [UInt8] { try present(optionalBytes(column), column) }
    func flag(_ column: String) throws -> Bool { try present(optionalFlag(column), column) }
    func timestamp(_ column: String) throws -> Timestamp { Timestamp(secondsSinceEpoch: try integer(column)) }
    func optionalTimestamp(_ column: String) throws -> Timestamp? { try optionalInteger(column).map(Timestamp.init(secondsSinceEpoch:)) }

    private func present<T>(_ value: T?, _ column: String) throws -> T {
        guard let value else { throw StorageError.unavailable("the stored row has no value in column \(column)") }
        return value
    }
}
