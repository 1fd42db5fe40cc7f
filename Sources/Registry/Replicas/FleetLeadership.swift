import ServiceLifecycle

/// Which replica does the fleet-wide periodic work: evaluating rollouts, collecting unreferenced chunks,
/// scrubbing the chunk store. With several replicas on one store, exactly one should do it at a time
/// (two evaluators are safe, since a rollout's revision check refuses the second change, but they would
/// compute every decision twice and race on audit lines; two collectors would list the same chunks).
///
/// Per-request work (check-ins, flushing their write-behind buffer) runs on every replica regardless.
public protocol FleetLeadership: Sendable {
    /// True while this replica holds the lease; when the lease is free it tries to take it first.
    /// Called before each round of leader-only work, so a lease lost between rounds costs one round.
    func holdsLease() async -> Bool
    /// Gives the lease up at once (graceful shutdown), so another replica need not wait to notice.
    func resign() async
}

extension FleetLeadership {
    public func resign() async {}
}

/// Resigns the lease when the registry shuts down gracefully: another replica takes over in its next
/// round instead of waiting for this process's connection to time out.
struct ResignOnShutdown: Service {
    let leadership: any FleetLeadership

    func run() async throws {
        try? await gracefulShutdown()
        await leadership.resign()
    }
}

/// The embedded registry: one process on its own SQLite file, always the leader.
public struct SoleReplica: FleetLeadership {
    public init() {}
    public func holdsLease() async -> Bool { true }
}

extension PeriodicService {
    /// The same service, whose work runs only in rounds where this replica holds `leadership`'s lease.
    func led(by leadership: any FleetLeadership) -> PeriodicService {
        let work = self.work
        return PeriodicService(description: description, interval: interval, runsOnShutdown: runsOnShutdown, maximumShare: maximumShare) {
            guard await leadership.holdsLease() else { return }
            await work()
        }
    }
}
