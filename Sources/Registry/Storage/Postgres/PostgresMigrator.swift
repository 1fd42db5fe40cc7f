import FleetCore
import Foundation
import Logging
import PostgresNIO

/// Brings a database to `PostgresSchema.latest` at start-up, over one connection of its own.
///
/// Everything runs in one transaction that first takes the advisory lock `PostgresLocks.migrations`: replicas
/// starting at once queue on the lock, and each finds the versions the one before it applied (PostgreSQL's
/// DDL is transactional, so a replica that dies half-way leaves nothing applied). A database whose schema is
/// newer than this registry knows is refused rather than written with old assumptions.
enum PostgresMigrator {
    /// Applied versions, one row each.
    static let table = "modelfleet_schema"

    /// Applies the missing migrations; returns the versions it applied (none when another replica did).
    @discardableResult
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await PostgresSession.transaction(on: connection, logger: logger) { session in
            try await session.lock(PostgresLocks.migrations)
            try await session.run(
                "CREATE TABLE IF NOT EXISTS \(unescaped: table) (version INTEGER PRIMARY KEY, name TEXT NOT NULL, appliedAt BIGINT NOT NULL)")
            let applied = Set(try await session.rows("SELECT version FROM \(unescaped: table)").map { Int(try $0.integer("version")) })
            if let newest = applied.max(), newest > PostgresSchema.latest {
                throw StorageError.unavailable(
                    "the PostgreSQL schema is at version \(newest), newer than this registry knows (\(PostgresSchema.latest)); run a newer registry")
            }
            var done: [Int] = []
            for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                for statement in migration.statements { try await session.run(PostgresQuery(unsafeSQL: statement)) }
                try await session.run(
                    """
                    INSERT INTO \(unescaped: table) (version, name, appliedAt)
                    VALUES (\(migration.version), \(migration.name), \(Timestamp.now().secondsSinceEpoch))
                    """)
                logger.info("PostgreSQL schema migrated", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                done.append(migration.version)
            }
            return done
        }
    }
}
