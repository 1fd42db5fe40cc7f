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

        // A graceful stop hands it on at once.
        await second.resign()
        #expect(await first.holdsLease())
        await first.resign()
    }
}
