/// Why a backup or restore stopped. Nothing is left half-done: a backup is written beside its
/// destination and renamed into place at the end, and a restore writes the database last.
public struct BackupFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
