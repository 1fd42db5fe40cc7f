import FleetCore
import FleetHTTP

/// Sends the journal's queued events to the registry and forgets them only once the registry has them,
/// so events raised offline are reported after the next successful check-in.
struct EventReporter: Sendable {
    let journal: Journal

    func flush(to registry: RegistryClient, deviceID: String) async throws {
        let pending = try journal.pendingEvents()
        guard let last = pending.last else { return }
        try await registry.report(deviceID: deviceID, EventBatch(events: pending.map(\.event)))
        try journal.acknowledge(upTo: last.id)
    }
}
