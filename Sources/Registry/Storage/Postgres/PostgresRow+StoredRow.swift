import NIOCore
import PostgresNIO

/// PostgreSQL's rows, read through postgres-nio, for `StoredRecords`. The schema's column names are unquoted,
/// so PostgreSQL stores them folded to lower case: `storedLength` is looked up as `storedlength`.
extension PostgresRandomAccessRow: StoredRow {
    private func cell(_ column: String) throws -> PostgresCell {
        let name = column.lowercased()
        // postgres-nio stops the process on an unknown column name; a store error is what a missing one deserves.
        guard contains(name) else { throw StorageError.unavailable("PostgreSQL returned no column \(name)") }
        return self[name]
    }

    func optionalText(_ column: String) throws -> String? { try cell(column).decode(String?.self) }
    func optionalInteger(_ column: String) throws -> Int64? { try cell(column).decode(Int64?.self) }
    func optionalReal(_ column: String) throws -> Double? { try cell(column).decode(Double?.self) }
    func optionalBytes(_ column: String) throws -> [UInt8]? { try cell(column).decode(ByteBuffer?.self).map { Array($0.readableBytesView) } }
    func optionalFlag(_ column: String) throws -> Bool? { try cell(column).decode(Bool?.self) }
}
