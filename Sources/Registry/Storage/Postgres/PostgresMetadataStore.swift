import FleetCore
import Foundation
public import Logging
import PostgresNIO

/// The metadata store for many replicas: PostgreSQL through postgres-nio's connection pool.
///
/// Same tables, same semantics as `SQLiteMetadataStore` (the conformance tests run both): every method is one
/// transaction, an operator's change and its audit line commit together, refusals are `StorageError`s worded by
/// `StoreRefusals`. Where SQLite's single writer made a check-then-write safe for free, this store takes an
/// advisory lock (`PostgresLocks`) or lets a constraint decide (`ON CONFLICT`, revision-checked updates).
public final class PostgresMetadataStore: MetadataStore {
    let client: PostgresClient
    let logger: Logger
    public let location: PostgresLocation
    /// The pool's background work; cancelled when the store is released, which closes the pool.
    private let running: Task<Void, Never>
    let lease: PostgresLease

    /// Connects once to check the URL, the password and the database, and migrates the schema, then opens the
    /// pool. Any failure is one `PostgresUnavailable` line: no retries, so a wrong setting stops the start at once.
    /// `leaseTimeout`: how long a request waits for a pooled connection before it fails with
    /// `StorageError.unreachable` (503) while the database takes connections but has none to spare; one that
    /// refuses them (down, restarting) fails requests after `PostgresLease.grace` (see `PostgresProbe`).
    public static func connect(to location: PostgresLocation, logger: Logger, leaseTimeout: Duration = .seconds(10)) async throws
        -> PostgresMetadataStore
    {
        if case .failure(let error) = await AsyncResult.attempt({ try await prepare(location, logger: logger) }) {
            throw PostgresUnavailable(error, location: location)
        }
        return PostgresMetadataStore(location: location, logger: logger, leaseTimeout: leaseTimeout)
    }

    private static func prepare(_ location: PostgresLocation, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 0, logger: logger)
        let migrated = await AsyncResult.attempt { try await PostgresMigrator.migrate(connection, logger: logger) }
        try? await connection.close()
        _ = try migrated.get()
    }

    private init(location: PostgresLocation, logger: Logger, leaseTimeout: Duration) {
        self.location = location
        self.logger = logger
        let client = PostgresClient(configuration: location.clientConfiguration(), backgroundLogger: logger)
        self.client = client
        lease = PostgresLease(client: client, location: location, timeout: leaseTimeout, logger: logger)
        running = Task { await client.run() }
    }

    deinit { running.cancel() }

    /// `body` in one transaction on a pooled connection (`PostgresLease`: bounded wait, outages as 503).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) async throws -> T) async throws -> T {
        let logger = logger
        return try await lease.run { connection in
            try await PostgresSession.transaction(on: connection, logger: logger, body)
        }
    }

    /// A read outside any transaction (one statement sees one snapshot).
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        let logger = logger
        return try await lease.run { connection in try await connection.query(query, logger: logger).collect() }.map { $0.makeRandomAccess() }
    }

    func count(_ query: PostgresQuery) async throws -> Int64 {
        guard let row = try await rows(query).first else { return 0 }
        return try row.optionalInteger("n") ?? 0
    }
}
