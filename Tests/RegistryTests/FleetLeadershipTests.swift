import Synchronization
import Testing

@testable import Registry

/// Leader-only periodic work (rollout evaluation, collection, scrub) runs in the rounds where this
/// replica holds the lease, and in no others.
@Suite struct FleetLeadershipTests {
    final class SwitchedLease: FleetLeadership {
        let held = Atomic<Bool>(false)
        func holdsLease() async -> Bool { held.load(ordering: .relaxed) }
    }

    @Test func workRunsOnlyWhileTheLeaseIsHeld() async throws {
        let rounds = Atomic<Int>(0)
        let lease = SwitchedLease()
        let service = PeriodicService(description: "counter", interval: .milliseconds(5), runsOnShutdown: false) {
            rounds.add(1, ordering: .relaxed)
        }.led(by: lease)
        let running = Task { try await service.run() }
        defer { running.cancel() }

        try await Task.sleep(for: .milliseconds(300))
        #expect(rounds.load(ordering: .relaxed) == 0, "work ran without the lease")
        lease.held.store(true, ordering: .relaxed)
        let deadline = ContinuousClock.now + .seconds(10)
        while rounds.load(ordering: .relaxed) < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(rounds.load(ordering: .relaxed) >= 3, "work did not run once the lease was held")
        lease.held.store(false, ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(100))  // a round already past the check may finish
        let after = rounds.load(ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(300))
        #expect(rounds.load(ordering: .relaxed) == after, "work kept running after the lease was lost")
    }

    @Test func theEmbeddedRegistryAlwaysLeads() async {
        #expect(await SoleReplica().holdsLease())
    }
}
