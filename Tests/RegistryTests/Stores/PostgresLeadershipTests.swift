import Foundation
import Logging
import TestPostgres
import Testing

@testable import Registry

/// Replicas on one PostgreSQL: one holds the fleet-wide lease at a time, and when its connection dies (the
/// replica was killed, or its link dropped) another takes it over.
@Suite struct PostgresLeadershipTests {
    @Test func oneReplicaLeadsAndAnotherTakesOverWhenItsConnectionDies() async throws {
        let url = try await TestPostgres.freshDatabase()
        let location = try PostgresLocation(parsing: url)
        var logger = Logger(label: "leadership-test")
        logger.logLevel = .critical
        let first = PostgresLeadership(location: location, logger: logger)
        let second = PostgresLeadership(location: location, logger: logger)

        #expect(await first.holdsLease())
        #expect(await !second.holdsLease())
        #expect(await first.holdsLease(), "the leader kept asking and lost it")
        #expect(await !second.holdsLease())

        // The leader's session ends as a killed replica's would: PostgreSQL releases the lock with it.
        try await TestPostgres.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            on: url)
        var tookOver = false
        let deadline = ContinuousClock.now + .seconds(10)
        while !tookOver, ContinuousClock.now < deadline {
            tookOver = await second.holdsLease()
            if !tookOver { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(tookOver, "no replica took the lease over within 10 s")
        // The old leader notices its connection is gone and does not lead beside the new one.
        #expect(await !first.holdsLease())
        #expect(await !first.holdsLease())
        #expect(await second.holdsLease())

        // A graceful stop hands it on at the next round (the server releases the lock when the session's backend
        // has ended, a moment after the client closed its connection).
        await second.resign()
        var handedOn = await first.holdsLease()
        let handover = ContinuousClock.now + .seconds(2)
        while !handedOn, ContinuousClock.now < handover {
            try await Task.sleep(for: .milliseconds(50))
            handedOn = await first.holdsLease()
        }
        #expect(handedOn, "the lease was not handed on within 2 s of the leader resigning")
        await first.resign()
    }

    /// A restart of the database ends the leader's session, so it leads no more; once the database is back,
    /// exactly one replica leads again, without either being restarted.
    @Test func afterADatabaseRestartExactlyOneReplicaLeadsAgain() async throws {
        let server = try PrivateServer()
        let location = try PostgresLocation(parsing: server.url)
        var logger = Logger(label: "leadership-test")
        logger.logLevel = .critical
        let replicas = [PostgresLeadership(location: location, logger: logger), PostgresLeadership(location: location, logger: logger)]
        #expect(await replicas[0].holdsLease())
        #expect(await !replicas[1].holdsLease())

        try server.stop()
        #expect(await !replicas[0].holdsLease(), "the leader still leads with the database down")
        #expect(await !replicas[1].holdsLease())

        try server.start()
        var leaders: [Bool] = [false, false]
        let deadline = ContinuousClock.now + .seconds(10)
        while !leaders.contains(true), ContinuousClock.now < deadline {
            for index in replicas.indices { leaders[index] = await replicas[index].holdsLease() }
            if !leaders.contains(true) { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(leaders.filter { $0 }.count == 1, "leaders after the restart: \(leaders)")
        // And it stays that way: each asks again.
        for index in replicas.indices { leaders[index] = await replicas[index].holdsLease() }
        #expect(leaders.filter { $0 }.count == 1, "leaders a round later: \(leaders)")
        for replica in replicas { await replica.resign() }
    }
}
