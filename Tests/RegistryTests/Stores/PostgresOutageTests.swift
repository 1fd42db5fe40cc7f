import FleetCore
import Foundation
import Logging
import Synchronization
import TestPostgres
import Testing

@testable import Registry

/// PostgreSQL going away under a running registry: requests fail soon with `unreachable` (503, a message naming
/// the database), and succeed again once it is back, without reopening the store.
@Suite struct PostgresOutageTests {
    @Test func anOutageIsUnreachableAndTheStoreRecoversOnItsOwn() async throws {
        let server = try PrivateServer()
        let logger = {
            var logger = Logger(label: "outage-test")
            logger.logLevel = .critical
            return logger
        }()
        let location = try PostgresLocation(parsing: server.url)
        // A lease timeout far longer than the test allows: a database that refuses connections must not wait it out.
        let store = try await PostgresMetadataStore.connect(to: location, logger: logger, leaseTimeout: .seconds(60))
        try await store.insertDevice(StoreSamples.device("d1"))
        try server.stop()

        for attempt in 0..<3 {
            let started = ContinuousClock.now
            let outcome = await AsyncResult.attempt { try await store.devices() }
            guard case .failure(let error) = outcome, case .unreachable(let message) = error as? StorageError else {
                Issue.record("attempt \(attempt) while the database is down: \(outcome)")
                continue
            }
            #expect(message.contains("the metadata database \(location)") && !message.contains(location.password ?? "?"), "\(message)")
            #expect(message.contains("Connection refused"), "the reason is missing: \(message)")
            #expect(ContinuousClock.now - started < .seconds(3), "attempt \(attempt) took \(ContinuousClock.now - started)")
        }
        await #expect(throws: StorageError.self) { try await store.insertDevice(StoreSamples.device("d2")) }

        try server.start()
        let deadline = ContinuousClock.now + .seconds(90)
        var devices: [DeviceRecord]?
        while devices == nil, ContinuousClock.now < deadline {
            devices = try? await store.devices()
            if devices == nil { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(devices?.map(\.id) == ["d1"], "the store did not recover within 90 s of the restart")
        try await store.insertDevice(StoreSamples.device("d2"))
        #expect(try await store.devices().map(\.id) == ["d1", "d2"])
    }

    /// A fast shutdown (`pg_ctl stop -m fast`, a restart) ends running statements with SQLSTATE 57P01: that is the
    /// database going away (503), not an internal error (500).
    @Test func aStatementEndedByAFastShutdownIsUnreachable() async throws {
        let server = try PrivateServer()
        var logger = Logger(label: "outage-test")
        logger.logLevel = .critical
        let location = try PostgresLocation(parsing: server.url)
        let store = try await PostgresMetadataStore.connect(to: location, logger: logger)
        let running = Task { try await store.rows("SELECT pg_sleep(60)") }
        // The shutdown must meet the statement running, not still waiting for its connection (a loaded run was
        // not there after 1 s, and met a refused connection instead).
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let sleeping = try await store.rows("SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'")
            if try sleeping.first?.optionalInteger("n") == 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try server.stop()
        let outcome = await running.result
        guard case .failure(let error) = outcome, case .unreachable(let message) = error as? StorageError else {
            Issue.record("a statement ended by a fast shutdown: \(outcome)")
            return
        }
        #expect(message.contains("SQLSTATE 57P01"), "\(message)")
    }

    /// Requests busy on the pool's connections when the database shuts down (fast) and while it is down: every
    /// one ends soon, with a result or `unreachable`, none hangs on a connection that went away under it.
    @Test func requestsBusyAtAFastShutdownAllEndSoon() async throws {
        let server = try PrivateServer()
        var logger = Logger(label: "outage-test")
        logger.logLevel = .critical
        let location = try PostgresLocation(parsing: server.url)
        let store = try await PostgresMetadataStore.connect(to: location, logger: logger)
        try await store.insertDevice(StoreSamples.device("d0"))
        let calls = Calls()
        for worker in 0..<8 {
            Task { [store] in
                var call = 0
                while !calls.done.withLock({ $0 }) {
                    call += 1
                    let key = worker * 1_000_000 + call
                    let (started, reads) = (ContinuousClock.now, call.isMultiple(of: 2))
                    calls.inFlight.withLock { $0[key] = started }
                    let outcome = await AsyncResult.attempt {
                        if reads {
                            _ = try await store.devices()
                        } else {
                            try await store.insertDevice(StoreSamples.device("d\(key)"))
                        }
                    }
                    calls.inFlight.withLock { _ = $0.removeValue(forKey: key) }
                    calls.longest.withLock { $0 = max($0, ContinuousClock.now - started) }
                    if case .failure(let error) = outcome, !(error is StorageError) { calls.others.withLock { $0.append("\(error)") } }
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        try await Task.sleep(for: .seconds(1))
        try server.stop()
        try await Task.sleep(for: .seconds(3))
        calls.done.withLock { $0 = true }
        // A hung call (the postgres-nio dropped write) never ends; a slow one does. Alone the calls end within about
        // 3 s; in a full parallel run on a loaded 2-core machine one was still running 8.1 s after it began, so
        // the bound is 20 s.
        let deadline = ContinuousClock.now + .seconds(20)
        while calls.inFlight.withLock({ !$0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        let stuck = calls.inFlight.withLock { $0.values.map { ContinuousClock.now - $0 } }
        #expect(stuck.isEmpty, "calls still waiting 20 s after the last began: \(stuck)")
        #expect(calls.longest.withLock { $0 } < .seconds(20), "the longest call took \(calls.longest.withLock { $0 })")
        #expect(calls.others.withLock { $0 }.isEmpty, "failures other than StorageError: \(calls.others.withLock { $0 })")
    }
}

/// What the workers of `requestsBusyAtAFastShutdownAllEndSoon` saw.
private final class Calls: Sendable {
    let inFlight = Mutex<[Int: ContinuousClock.Instant]>([:])
    let longest = Mutex(Duration.zero)
    let others = Mutex<[String]>([])
    let done = Mutex(false)
}
