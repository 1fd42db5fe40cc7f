/// Where the registry keeps its metadata (`storage.metadata`, `--metadata`): the embedded SQLite file in the
/// data directory, or a PostgreSQL database that several replicas can share.
public enum MetadataLocation: Sendable, Equatable, CustomStringConvertible {
    /// `DATA/registry.sqlite`, the embedded default.
    case sqlite
    case postgres(PostgresLocation)

    /// `sqlite`, or `postgres://USER:PASSWORD@HOST:PORT/DB` (see `PostgresLocation`).
    public init(parsing text: String) throws(MetadataLocationInvalid) {
        if text == "sqlite" {
            self = .sqlite
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(parsing: text))
        } else {
            throw MetadataLocationInvalid(
                description: "storage.metadata must be 'sqlite' or postgres://USER:PASSWORD@HOST:PORT/DB, got '\(PostgresLocation.redacted(text))'")
        }
    }

    /// The location without its password, for logs and errors.
    public var description: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres(let location): location.description
        }
    }
}

/// A `storage.metadata` value that names no usable store; the message never shows a password.
public struct MetadataLocationInvalid: Error, CustomStringConvertible, Equatable {
    public var description: String
}
