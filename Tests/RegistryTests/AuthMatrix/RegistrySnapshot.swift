import FleetCore
import FleetHTTP
import TestSupport

@testable import Registry

/// Everything the registry exposes that a request could change, read through the full admin token, plus
/// the chunk store as the disk holds it. Two snapshots around requests that were all refused must be equal;
/// `AuthMatrixTests` also checks that each rightful write does change it, so equality means something.
/// `devices` names devices to read events of even once they are decommissioned and leave the device list.
struct RegistrySnapshot: Equatable {
    var models: ModelList
    var versions: [VersionList]
    var publishers: PublisherList
    var assignments: AssignmentList
    var devices: DeviceList
    var deviceDetails: [DeviceDetail]
    var events: [EventList]
    var tokens: [TokenSummary]
    var rollouts: RolloutList
    var audit: [AuditEntry]
    var trustDocuments: [[UInt8]]
    var fleet: FleetStatus
    var chunkCount: Int
    var chunkFiles: [String]

    static func take(_ registry: RegistryHarness, devices ids: [String]) async throws -> RegistrySnapshot {
        let admin = registry.admin
        let models = try await admin.models().value
        var versions: [VersionList] = []
        for model in models.models { versions.append(try await admin.versions(of: model.name).value) }
        let devices = try await admin.devices().value
        let listed = devices.devices.map(\.id)
        // Decommissioned devices leave the list (and answer 404 on their own); their events stay readable.
        var details: [DeviceDetail] = []
        for id in listed { details.append(try await admin.device(id: id).value) }
        var events: [EventList] = []
        for id in Set(listed + ids).sorted() { events.append(try await admin.events(deviceID: id).value) }
        return RegistrySnapshot(
            models: models, versions: versions, publishers: try await admin.publishers().value, assignments: try await admin.assignments().value,
            devices: devices, deviceDetails: details, events: events,
            // A token records its last use on every request it authenticates, one a route then refuses with 403 too (the snapshot's
            // own admin token included): that stamp is bookkeeping, not state a request could grant itself.
            tokens: try await admin.tokens().value.tokens.map {
                var token = $0
                token.lastUsedAt = nil
                return token
            },
            rollouts: try await admin.rollouts().value, audit: try await admin.audit().value.entries,
            trustDocuments: try await admin.trustDocuments(), fleet: try await admin.fleetStatus().value,
            chunkCount: try await registry.server.store.chunkCount(), chunkFiles: registry.storedChunkFiles().sorted())
    }
}
