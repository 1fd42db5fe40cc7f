import Logging
import PostgresNIO

/// The fleet-wide lease of replicas sharing one PostgreSQL: a session advisory lock, held on a connection
/// of its own (a pooled connection would hand the lock to whatever request borrowed it next).
///
/// PostgreSQL releases a session lock when its connection ends, so a replica that dies (or whose link
/// does) gives the lease up without anyone noticing it first; the next replica to ask, within the one-second
/// rounds of the rollout scheduler, takes it. While it holds the lease a replica checks each round that
/// its connection still works, and stops leading at the first failure, before another can take over.
actor PostgresLeadership: FleetLeadership {
    static let key = PostgresLocks.leadership
    let location: PostgresLocation
    let logger: Logger
    private var connection: PostgresConnection?
    private var held = false

    init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
    }

    func holdsLease() async -> Bool {
        let outcome = await AsyncResult.attempt { try await self.round() }
        if case .failure(let error) = outcome {
            if held { logger.warning("lost the fleet-wide lease (rollouts, collection, scrub)", metadata: ["error": "\(error)"]) }
            held = false
            let lost = connection
            connection = nil
            try? await lost?.close()
        }
        return held
    }

    func resign() async {
        let closing = connection
        connection = nil
        if held { logger.notice("resigned the fleet-wide lease") }
        held = false
        try? await closing?.close()
    }

    private func round() async throws {
        let connection = try await self.connected()
        let logger = logger
        // `whileOpen`: a statement written just after the server ended the session would otherwise never return.
        if held {
            _ = try await PostgresLease.whileOpen(connection, location: location) {
                try await connection.query("SELECT 1", logger: logger).collect()
            }
            return
        }
        let rows = try await PostgresLease.whileOpen(connection, location: location) {
            try await connection.query("SELECT pg_try_advisory_lock(\(Self.key)) AS taken", logger: logger).collect()
        }
        held = try rows.first?.decode(Bool.self) ?? false
        if held { logger.notice("this replica now leads fleet-wide work (rollouts, collection, scrub)") }
    }

    private func connected() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        // The server ended the session (a restart, `pg_terminate_backend`): the lock went with it.
        if held { logger.warning("lost the fleet-wide lease (rollouts, collection, scrub): its database connection closed") }
        held = false
        let fresh = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 1, logger: logger)
        connection = fresh
        return fresh
    }
}
