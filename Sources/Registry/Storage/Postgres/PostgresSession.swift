import FleetCore
import Logging
import PostgresNIO

/// One leased connection inside one transaction, with the helpers every store method uses.
struct PostgresSession: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Every row of `query`, read whole (the store's results are small: one page of chunks, one model's versions).
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    /// Runs `query` and drains its rows.
    func run(_ query: PostgresQuery) async throws {
        _ = try await connection.query(query, logger: logger).collect()
    }

    /// Waits for the transaction-scoped advisory lock `key` (see `PostgresLocks`); `shared` holders run together.
    func lock(_ key: Int64, shared: Bool = false) async throws {
        if shared {
            try await run("SELECT pg_advisory_xact_lock_shared(\(key))")
        } else {
            try await run("SELECT pg_advisory_xact_lock(\(key))")
        }
    }

    func insert(_ entry: AuditEntry) async throws {
        try await run(
            """
            INSERT INTO audit (at, actor, action, subject, detail)
            VALUES (\(entry.at.secondsSinceEpoch), \(entry.actor), \(entry.action), \(entry.subject), \(entry.detail))
            """)
    }

    /// BEGIN, `body`, COMMIT; on a throw, ROLLBACK and the body's own error (postgres-nio's `withTransaction`
    /// wraps it in `PostgresTransactionError`, which would hide a `StorageError` from the HTTP layer).
    static func transaction<T: Sendable>(
        on connection: PostgresConnection, logger: Logger, _ body: @Sendable (PostgresSession) async throws -> T
    ) async throws -> T {
        let session = PostgresSession(connection: connection, logger: logger)
        try await session.run("BEGIN")
        switch await AsyncResult.attempt({ try await body(session) }) {
        case .success(let value):
            try await session.run("COMMIT")
            return value
        case .failure(let error):
            // On a closed connection there is nothing to roll back (the server did), and a statement written to it
            // could wait forever (see `PostgresLease`).
            if !connection.isClosed { _ = await AsyncResult.attempt { try await session.run("ROLLBACK") } }
            throw error
        }
    }
}
