import Logging
import PostgresNIO

/// Whether PostgreSQL takes new connections at all, for requests that wait for a pooled one.
///
/// postgres-nio's pool keeps a request waiting while its connection attempts fail (and fails it only once they
/// have failed for a while), so without this a restart of the database held every request for the whole lease
/// timeout. A request that has waited `PostgresLease.grace` asks here instead: one connection attempt at a time
/// and per `freshness` however many requests ask, and its answer, the reason it failed, is what they fail with.
/// A database that answers but has no connection to spare (SQLSTATE class 53, `too many clients`) is not down:
/// requests keep waiting for the pool then.
actor PostgresProbe {
    let location: PostgresLocation
    let logger: Logger
    /// How long one answer holds.
    static let freshness = Duration.seconds(1)
    /// How long one attempt may take to connect.
    static let connectTimeout = TimeAmount.seconds(2)
    private var last: (at: ContinuousClock.Instant, failure: String?)?
    private var attempt: Task<String?, Never>?

    init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
    }

    /// Why the database cannot be connected to now, in a few words ("cannot connect: Connection refused",
    /// "the database system is starting up (SQLSTATE 57P03)"); nil when it can.
    func failure() async -> String? {
        if let last, ContinuousClock.now - last.at < Self.freshness { return last.failure }
        if let attempt { return await attempt.value }
        let (location, logger) = (location, logger)
        let task = Task { await Self.connect(location, logger: logger) }
        attempt = task
        let failure = await task.value
        attempt = nil
        last = (ContinuousClock.now, failure)
        return failure
    }

    private static func connect(_ location: PostgresLocation, logger: Logger) async -> String? {
        let outcome = await AsyncResult.attempt {
            var configuration = try location.connectionConfiguration()
            configuration.options.connectTimeout = connectTimeout
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
            try? await connection.close()
        }
        guard case .failure(let error) = outcome else { return nil }
        if let psql = error as? PSQLError, psql.serverInfo?[.sqlState]?.hasPrefix("53") == true { return nil }
        return PostgresUnavailable.reason(error)
    }
}
