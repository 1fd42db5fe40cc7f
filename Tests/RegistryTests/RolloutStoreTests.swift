import FleetCore
import Foundation
import Testing

@testable import Registry

/// The SQLite store's rollout, health and audit tables, on a real database file.
@Suite struct RolloutStoreTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path
    let v1 = SemanticVersion(major: 1, minor: 0, patch: 0), v2 = SemanticVersion(major: 2, minor: 0, patch: 0)
    let now = Timestamp(secondsSinceEpoch: 1_800_000_000)

    func rollout(_ id: String) -> Rollout {
        Rollout(
            id: id, model: "m", version: v2, previousVersion: v1, selector: "", stages: [50, 100], soakSeconds: 0, gates: RolloutGates(),
            stageStartedAt: now, createdAt: now, createdBy: "test")
    }

    func audit(_ action: String, at offset: Int64 = 0) -> AuditEntry {
        AuditEntry(at: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + offset), actor: "test", action: action, subject: "ro-1", detail: "")
    }

    @Test func aChangeFromAStaleRevisionIsRefusedAndRolloutsSurviveReopening() async throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteMetadataStore(path: path)
        _ = try await store.createRollout(rollout("ro-1"), superseding: false, audit: audit("rollout.create"))
        let stored = try #require(try await store.rollouts().first)
        var paused = stored
        paused.state = .paused
        try await store.saveRollout(paused, audit: audit("rollout.pause", at: 10))
        // A second writer that read the rollout before the pause cannot overwrite it.
        var advanced = stored
        advanced.stage = 1
        await #expect(throws: StorageError.self) { try await store.saveRollout(advanced, audit: audit("rollout.advanced", at: 20)) }

        let reopened = try SQLiteMetadataStore(path: path)
        let after = try #require(try await reopened.rollouts().first)
        #expect(after.state == .paused && after.stage == 0 && after.revision == 1)
        #expect(try await reopened.audit(since: nil).map(\.action) == ["rollout.create", "rollout.pause"])
        #expect(try await reopened.audit(since: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + 5)).map(\.action) == ["rollout.pause"])

        // Superseding aborts the paused one in the same transaction, with its own audit line.
        let superseded = try await reopened.createRollout(rollout("ro-2"), superseding: true, audit: audit("rollout.create", at: 30))
        #expect(superseded.map(\.id) == ["ro-1"])
        #expect(try await reopened.rollouts().map(\.state) == [.aborted, .active])
        #expect(try await reopened.audit(since: nil).map(\.action).suffix(2) == ["rollout.aborted", "rollout.create"])
    }

    /// A device reports only its latest install per model; the store keeps every version's row.
    @Test func healthIsKeptPerDeviceAndVersion() async throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteMetadataStore(path: path)
        try await store.insertDevice(
            DeviceRecord(id: "d1", profile: DeviceProfile(arch: "x86_64", ramBytes: 1, diskBytes: 1, engineVersion: "0"), labels: [:], enrolledAt: now))
        func checkin(_ report: CheckinRequest, at offset: Int64) async throws {
            try await store.recordCheckins([CheckinRecord(deviceID: "d1", at: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + offset), report: report)])
        }
        try await checkin(
            CheckinRequest(
                installed: [], state: "idle",
                stats: [InferenceStats(model: "m", version: v1, count: 10, errors: 1, latencyP50Milliseconds: 1, latencyP95Milliseconds: 2)],
                installs: [InstallReport(model: "m", version: v1, result: .ok, selfTest: .passed)]), at: 0)
        try await checkin(
            CheckinRequest(
                installed: [], state: "idle", installs: [InstallReport(model: "m", version: v2, result: .failed, selfTest: .failed, message: "bad output")]),
            at: 60)
        let rows = try await store.health(deviceID: "d1")
        #expect(rows.map(\.version) == [v1, v2])
        #expect(rows[0].install == .ok && rows[0].inferences == 10 && rows[0].errors == 1 && rows[0].latencyP95Milliseconds == 2)
        #expect(rows[1].failedSelfTest && rows[1].message == "bad output" && rows[1].inferences == 0)
        #expect(try await store.health(model: "other").isEmpty)
        #expect(try await store.health(model: nil).count == 2)
    }
}
