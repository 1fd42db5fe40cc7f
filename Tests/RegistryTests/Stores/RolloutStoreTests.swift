import FleetCore
import Foundation
import Testing

@testable import Registry

/// Rollouts, health and the audit log, on each metadata store.
@Suite struct RolloutStoreTests {
    typealias S = StoreSamples

    @Test(arguments: StoreKind.allCases)
    func aChangeFromAStaleRevisionIsRefusedAndRolloutsSurviveReopening(_ kind: StoreKind) async throws {
        let location = try await StoreLocation.fresh(kind)
        defer { location.remove() }
        let store = try await location.open()
        _ = try await store.createRollout(S.rollout("ro-1"), superseding: false, audit: S.audit("rollout.create"))
        let stored = try #require(try await store.rollouts().first)
        var paused = stored
        paused.state = .paused
        try await store.saveRollout(paused, audit: S.audit("rollout.pause", at: 10))
        // A second writer that read the rollout before the pause cannot overwrite it.
        var advanced = stored
        advanced.stage = 1
        await #expect(throws: StoreRefusals.rolloutChanged(advanced)) { try await store.saveRollout(advanced, audit: S.audit("rollout.advanced", at: 20)) }
        var unknown = stored
        unknown.id = "ro-9"
        await #expect(throws: StorageError.notFound("no rollout ro-9")) { try await store.saveRollout(unknown, audit: S.audit("rollout.pause")) }

        let reopened = try await location.open()
        let after = try #require(try await reopened.rollouts().first)
        #expect(after.state == .paused && after.stage == 0 && after.revision == 1)
        #expect(try await reopened.audit(since: nil).map(\.action) == ["rollout.create", "rollout.pause"])
        #expect(try await reopened.audit(since: S.at(5)).map(\.action) == ["rollout.pause"])

        // A second rollout of the model is refused while one is in flight, with no audit line...
        await #expect(throws: StoreRefusals.rolloutsInFlight(model: "m", ["ro-1"])) {
            try await reopened.createRollout(S.rollout("ro-2", at: 30), superseding: false, audit: S.audit("rollout.create", at: 30))
        }
        #expect(try await reopened.audit(since: nil).count == 2)
        // ...and superseding aborts the paused one in the same transaction, with its own audit line.
        let superseded = try await reopened.createRollout(S.rollout("ro-2", at: 30), superseding: true, audit: S.audit("rollout.create", at: 30))
        #expect(superseded.map(\.id) == ["ro-1"] && superseded.first?.reason == "superseded by rollout ro-2")
        #expect(try await reopened.rollouts().map(\.state) == [.aborted, .active])
        #expect(try await reopened.rollouts().map(\.revision) == [2, 0])
        #expect(try await reopened.audit(since: nil).map(\.action).suffix(2) == ["rollout.aborted", "rollout.create"])
        // Another model's rollout is independent.
        _ = try await reopened.createRollout(S.rollout("ro-3", model: "other", at: 40), superseding: false, audit: S.audit("rollout.create", at: 40))
        #expect(try await reopened.rollouts().map(\.id) == ["ro-1", "ro-2", "ro-3"])
    }

    /// A device reports only its latest install per model; the store keeps every version's row.
    @Test(arguments: StoreKind.allCases)
    func healthIsKeptPerDeviceAndVersion(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        try await store.insertDevice(S.device("d1"))
        func checkin(_ report: CheckinRequest, at offset: Int64) async throws {
            try await store.recordCheckins([CheckinRecord(deviceID: "d1", at: S.at(offset), report: report)])
        }
        try await checkin(
            CheckinRequest(
                installed: [], state: "idle",
                stats: [InferenceStats(model: "m", version: S.v1, count: 10, errors: 1, latencyP50Milliseconds: 1, latencyP95Milliseconds: 2)],
                installs: [InstallReport(model: "m", version: S.v1, result: .ok, selfTest: .passed)]), at: 0)
        try await checkin(
            CheckinRequest(
                installed: [], state: "idle",
                installs: [InstallReport(model: "m", version: S.v2, result: .failed, selfTest: .failed, message: "bad output")]),
            at: 60)
        let rows = try await store.health(deviceID: "d1")
        #expect(rows.map(\.version) == [S.v1, S.v2])
        #expect(rows[0].install == .ok && rows[0].inferences == 10 && rows[0].errors == 1 && rows[0].latencyP95Milliseconds == 2)
        #expect(rows[1].failedSelfTest && rows[1].message == "bad output" && rows[1].inferences == 0 && rows[1].updatedAt == S.at(60))
        #expect(try await store.health(model: "other").isEmpty)
        #expect(try await store.health(model: nil).count == 2)
        let device = try #require(try await store.device(id: "d1"))
        #expect(device.lastSeenAt == S.at(60) && device.lastCheckin?.installs.first?.version == S.v2)
    }
}
