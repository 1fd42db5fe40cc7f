import FleetCore
import Logging
import PostgresNIO
import Synchronization

/// Work on a pooled connection, bounded in how long it waits for one and in how long it outlives its connection.
///
/// While PostgreSQL is down, postgres-nio's pool keeps a request waiting until its connection attempts trip a
/// circuit breaker (15 s of failures), and then fails it with a generic pool error. A registry request should
/// instead fail soon with a message saying what is wrong: a request without a connection after `grace` asks
/// `PostgresProbe` whether the database takes connections at all (and asks again while it waits), and fails at
/// once with its reason if not
/// ("cannot connect: Connection refused" during a restart); otherwise (every connection busy) it waits up to
/// `timeout`. Either way, and for any error that means the connection itself failed (a fast shutdown ends a
/// statement with SQLSTATE 57P01), this throws `StorageError.unreachable` (503).
///
/// Once a connection is leased the work is not cut short while the connection lives: a statement or a COMMIT
/// interrupted half-way would leave its outcome unknown. When the connection closes under it, its outcome is
/// unknown anyway, and the work normally fails at once; but postgres-nio (1.33) drops a statement written just
/// after its connection closed (the pool lent one the server had just ended) without failing it, and its caller
/// would wait forever. So work still running `closedFor` after its connection closed is given up on, with
/// `unreachable`: the task left running it stays suspended (a few hundred bytes each such time).
struct PostgresLease: Sendable {
    let client: PostgresClient
    let location: PostgresLocation
    let timeout: Duration
    let probe: PostgresProbe
    /// How long a request waits for a connection before it asks `probe` whether the database is down.
    var grace = Duration.milliseconds(500)
    /// How long work may run on a closed connection before it is given up on.
    static let closedFor = Duration.seconds(1)
    /// How often a waiting request, or running work, looks at the clock and its connection.
    static let tick = Duration.milliseconds(250)

    init(client: PostgresClient, location: PostgresLocation, timeout: Duration, logger: Logger) {
        self.client = client
        self.location = location
        self.timeout = timeout
        probe = PostgresProbe(location: location, logger: logger)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let outcome = await AsyncResult.attempt { try await lease(body) }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw unreachable(error) ?? error
        }
    }

    /// The pool's lease and the work run in a task of their own, so that giving up on them (no connection in
    /// time, or work stuck on a closed one) does not wait for them, as a task group would.
    private func lease<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let outcome = LeaseOutcome<T>()
        let (client, timeout, location, probe, grace) = (client, timeout, location, probe, min(grace, timeout))
        let started = ContinuousClock.now
        let work = Task {
            let result = await AsyncResult.attempt {
                try await client.withConnection { connection in
                    // Refused once the request failed waiting: its work must not run after the 503.
                    guard outcome.start(on: connection) else { throw CancellationError() }
                    return try await body(connection)
                }
            }
            outcome.settle(result)
        }
        let watch = Task {
            try await Task.sleep(until: started + grace)
            while !outcome.isSettled {
                // Asked on every tick while waiting, not once: an answer of "up" may be from just before the
                // database went down (the probe keeps one answer for `PostgresProbe.freshness`).
                if !outcome.isStarted, let failure = await probe.failure() {
                    outcome.settleUnlessStarted(.failure(Self.cannotConnect(location, failure)))
                }
                if !outcome.isStarted, ContinuousClock.now >= started + timeout {
                    outcome.settleUnlessStarted(.failure(Self.noConnection(location, after: timeout)))
                }
                Self.giveUpIfClosed(outcome, location)
                try await Task.sleep(for: Self.tick)
            }
        }
        defer {
            work.cancel()  // still waiting for a connection: the pool drops the request
            watch.cancel()
        }
        // A cancelled caller cancels the work (as it would work it ran itself); the watch still ends it.
        return try await withTaskCancellationHandler {
            try await outcome.value()
        } onCancel: {
            work.cancel()
        }
    }

    /// `body` with a connection of the caller's own (not the pool's), given up on as `lease` gives up on work.
    static func whileOpen<T: Sendable>(
        _ connection: PostgresConnection, location: PostgresLocation, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = LeaseOutcome<T>()
        _ = outcome.start(on: connection)
        let work = Task { outcome.settle(await AsyncResult.attempt(body)) }
        let watch = Task {
            while !outcome.isSettled {
                giveUpIfClosed(outcome, location)
                try await Task.sleep(for: tick)
            }
        }
        defer { watch.cancel() }
        return try await withTaskCancellationHandler {
            try await outcome.value()
        } onCancel: {
            work.cancel()
        }
    }

    private static func giveUpIfClosed<T>(_ outcome: LeaseOutcome<T>, _ location: PostgresLocation) {
        guard let closedAt = outcome.closedSince(), ContinuousClock.now - closedAt >= closedFor else { return }
        outcome.settle(.failure(closedUnder(location)))
    }

    static func noConnection(_ location: PostgresLocation, after timeout: Duration) -> StorageError {
        .unreachable("the metadata database \(location) gave no connection within \(timeout); it may be down or overloaded, retry shortly")
    }

    static func cannotConnect(_ location: PostgresLocation, _ failure: String) -> StorageError {
        .unreachable("the metadata database \(location) cannot be reached (\(failure)); retry shortly")
    }

    static func closedUnder(_ location: PostgresLocation) -> StorageError {
        .unreachable("the metadata database \(location) cannot be reached (the connection closed during the request); retry shortly")
    }

    /// SQLSTATEs that end a session because the server is going away or not yet back: `admin_shutdown` (a fast
    /// shutdown or `pg_terminate_backend`), `crash_shutdown`, `cannot_connect_now` (starting up, shutting down).
    static let serverGoingAway: Set<String> = ["57P01", "57P02", "57P03"]

    /// The errors that mean "no usable connection", as `StorageError.unreachable`; nil for any other error.
    private func unreachable(_ error: any Error) -> StorageError? {
        // The pool's own error type lives in a module postgres-nio does not export (`_ConnectionPoolModule`).
        if String(reflecting: type(of: error)).hasSuffix(".ConnectionPoolError") {
            return .unreachable("the metadata database \(location) cannot be reached; retry shortly")
        }
        guard let psql = error as? PSQLError else { return nil }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            return Self.cannotConnect(location, PostgresUnavailable.reason(psql))
        case .server where psql.serverInfo?[.sqlState].map(Self.serverGoingAway.contains) == true:
            return Self.cannotConnect(location, PostgresUnavailable.reason(psql))
        default:
            return nil
        }
    }
}

/// One lease's course: waiting for a connection, running on one, settled (the first result or failure wins).
private final class LeaseOutcome<T: Sendable>: Sendable {
    private enum Phase {
        case waiting
        case running(PostgresConnection, closedAt: ContinuousClock.Instant?)
        case settled(Result<T, any Error>)
    }

    private struct State {
        var phase = Phase.waiting
        var started = false
        var waiter: CheckedContinuation<T, any Error>?
    }

    private let state = Mutex(State())

    /// The pool lent `connection`: true if the work may run on it, false if the lease has already failed.
    func start(on connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard case .waiting = state.phase else { return false }
            state.phase = .running(connection, closedAt: nil)
            state.started = true
            return true
        }
    }

    var isStarted: Bool { state.withLock { $0.started } }

    var isSettled: Bool {
        state.withLock { state in
            if case .settled = state.phase { return true }
            return false
        }
    }

    /// When the running work's connection was first seen closed; nil while it is open (or no work runs).
    func closedSince() -> ContinuousClock.Instant? {
        state.withLock { state in
            guard case .running(let connection, let closedAt) = state.phase, connection.isClosed else { return nil }
            if let closedAt { return closedAt }
            state.phase = .running(connection, closedAt: .now)
            return nil
        }
    }

    func settle(_ result: Result<T, any Error>) { settle(result, unlessStarted: false) }
    func settleUnlessStarted(_ result: Result<T, any Error>) { settle(result, unlessStarted: true) }

    private func settle(_ result: Result<T, any Error>, unlessStarted: Bool) {
        let waiter: CheckedContinuation<T, any Error>?? = state.withLock { state in
            if case .settled = state.phase { return nil }
            if unlessStarted, state.started { return nil }
            state.phase = .settled(result)
            defer { state.waiter = nil }
            return .some(state.waiter)
        }
        if case .some(.some(let waiter)) = waiter { waiter.resume(with: result) }
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<T, any Error>? = state.withLock { state in
                if case .settled(let result) = state.phase { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
