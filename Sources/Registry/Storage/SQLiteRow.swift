import Foundation
import GRDB

/// SQLite's rows, read through GRDB, for `StoredRecords`.
extension Row: StoredRow {
    func optionalText(_ column: String) throws -> String? { self[column] }
    func optionalInteger(_ column: String) throws -> Int64? { self[column] }
    func optionalReal(_ column: String) throws -> Double? { self[column] }
    func optionalBytes(_ column: String) throws -> [UInt8]? { (self[column] as Data?).map { [UInt8]($0) } }
    func optionalFlag(_ column: String) throws -> Bool? { self[column] }
}
