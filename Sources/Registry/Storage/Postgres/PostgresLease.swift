import FleetCore
import Logging
import PostgresNIO
import Synchronization

/// Work on a pooled connection, bounded in how long it waits for one.
///
/// While PostgreSQL is down, postgres-nio's pool keeps a request waiting until its connection attempts trip a
/// circuit breaker (a minute and more, measured), and then fails it with a generic pool error. A registry request
/// should instead fail soon with a message saying what is wrong: after `timeout` without a connection, and for
/// any error that means the connection itself failed, this throws `StorageError.unreachable` (503). Once a
/// connection is leased the work is not cut short: a statement or a COMMIT interrupted half-way would leave its
/// outcome unknown.
struct PostgresLease: Sendable {
    let client: PostgresClient
    let location: PostgresLocation
    let timeout: Duration

    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let outcome = await AsyncResult.attempt { try await race(body) }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw unreachable(error) ?? error
        }
    }

    private func race<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let leased = LeaseFlag()
        let (client, timeout, location) = (client, timeout, location)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.set()
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                guard leased.isSet else { throw Self.noConnection(location, after: timeout) }
                // Leased in time: wait for the work, which cancels this when it ends.
                try await Task.sleep(for: .seconds(365 * 86_400))
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
            }
            throw CancellationError()
        }
    }

    static func noConnection(_ location: PostgresLocation, after timeout: Duration) -> StorageError {
        .unreachable("the metadata database \(location) gave no connection within \(timeout); it may be down or overloaded, retry shortly")
    }

    /// The errors that mean "no usable connection", as `StorageError.unreachable`; nil for any other error.
    private func unreachable(_ error: any Error) -> StorageError? {
        // The pool's own error type lives in a module postgres-nio does not export (`_ConnectionPoolModule`).
        if String(reflecting: type(of: error)).hasSuffix(".ConnectionPoolError") {
            return .unreachable("the metadata database \(location) cannot be reached; retry shortly")
        }
        guard let psql = error as? PSQLError else { return nil }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            return .unreachable("the metadata database \(location) cannot be reached (\(PostgresUnavailable.reason(psql))); retry shortly")
        default:
            return nil
        }
    }
}

/// Set once the pool hands out a connection.
private final class LeaseFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}
