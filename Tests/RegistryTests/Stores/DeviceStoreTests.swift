import FleetCore
import Foundation
import Testing

@testable import Registry

/// Tokens, devices, labels, events, assignments and decommissioning, on each metadata store.
@Suite struct DeviceStoreTests {
    typealias S = StoreSamples

    @Test(arguments: StoreKind.allCases)
    func tokensAreFoundByHashRevokedByPrefixAndTheLastAdminStays(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        #expect(try await !store.hasTokens(of: .admin))
        let first = S.token("first")
        var expiring = S.token("expiring")
        expiring.createdAt = S.at(1)
        expiring.expiresAt = S.at(5)
        let enrollment = S.token("enroll", kind: .enrollment, scopes: [])
        try await store.insertToken(first, audit: nil)
        try await store.insertToken(expiring, audit: S.audit("token.create"))
        try await store.insertToken(enrollment, audit: nil)
        #expect(try await store.hasTokens(of: .admin))
        #expect(try await store.hasTokens(of: .enrollment))
        #expect(try await !store.hasTokens(of: .device))
        #expect(try await store.token(hash: first.hash) == first)
        #expect(try await store.token(hash: "nope") == nil)
        #expect(try await store.tokens().map(\.label) == ["first", "enroll", "expiring"])

        // Uses are kept to the latest.
        try await store.recordTokenUses([first.hash: S.at(20), enrollment.hash: S.at(3)])
        try await store.recordTokenUses([first.hash: S.at(10)])
        #expect(try await store.token(hash: first.hash)?.lastUsedAt == S.at(20))

        // The other admin token has expired by then: the first is the last working one.
        let prefix = String(first.hash.prefix(12))
        await #expect(throws: StoreRefusals.lastAdminToken(first)) { try await store.revokeToken(hashPrefix: prefix, audit: S.audit("token.revoke", at: 10)) }
        await #expect(throws: StoreRefusals.noWorkingToken("zz")) { try await store.revokeToken(hashPrefix: "zz", audit: S.audit("token.revoke")) }
        let revoked = try await store.revokeToken(hashPrefix: String(enrollment.hash.prefix(12)), audit: S.audit("token.revoke", at: 10))
        #expect(revoked.revokedAt == S.at(10) && revoked.hash == enrollment.hash)
        #expect(try await store.token(hash: enrollment.hash)?.revokedAt == S.at(10))
        // Revoked tokens cannot be revoked again; with another working admin, the first one can be.
        await #expect(throws: StoreRefusals.noWorkingToken(String(enrollment.hash.prefix(12)))) {
            try await store.revokeToken(hashPrefix: String(enrollment.hash.prefix(12)), audit: S.audit("token.revoke"))
        }
        try await store.insertToken(S.token("second"), audit: nil)
        #expect(try await store.revokeToken(hashPrefix: prefix, audit: S.audit("token.revoke", at: 11)).hash == first.hash)
        #expect(try await store.audit(since: nil).map(\.action) == ["token.create", "token.revoke", "token.revoke"])
    }

    @Test(arguments: StoreKind.allCases)
    func devicesTheirLabelsProfilesAndEvents(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        try await store.insertDevice(S.device("d2"))
        try await store.insertDevice(S.device("d1", labels: ["type": "camera"]))
        #expect(try await store.devices().map(\.id) == ["d1", "d2"])
        #expect(try await store.device(id: "d1") == S.device("d1", labels: ["type": "camera"]))
        #expect(try await store.device(id: "d3") == nil)

        try await store.setLabels(deviceID: "d2", labels: ["site": "eu"], audit: S.audit("device.labels"))
        #expect(try await store.device(id: "d2")?.labels == ["site": "eu"])
        await #expect(throws: StoreRefusals.deviceNotEnrolled("d3")) { try await store.setLabels(deviceID: "d3", labels: [:], audit: S.audit("device.labels")) }

        let arm = DeviceProfile(arch: "aarch64", ramBytes: 2, diskBytes: 3, engineVersion: "1", labels: ["type": "gateway"])
        try await store.updateProfile(deviceID: "d1", profile: arm, audit: S.audit("device.profile"))
        #expect(try await store.device(id: "d1")?.profile == arm)
        #expect(try await store.device(id: "d1")?.labels == ["type": "gateway"])
        await #expect(throws: StoreRefusals.deviceNotEnrolled("d3")) { try await store.updateProfile(deviceID: "d3", profile: arm, audit: S.audit("x")) }

        let events = [
            RecordedEvent(deviceID: "d1", receivedAt: S.at(1), event: DeviceEvent(kind: "install", message: "first", at: S.at(1))),
            RecordedEvent(deviceID: "d2", receivedAt: S.at(2), event: DeviceEvent(kind: "install", message: "other", at: S.at(2))),
            RecordedEvent(deviceID: "d1", receivedAt: S.at(3), event: DeviceEvent(kind: "install", message: "second", at: S.at(3)))
        ]
        try await store.insertEvents(events)
        #expect(try await store.events(deviceID: "d1") == [events[0], events[2]])
        #expect(try await store.audit(since: nil).map(\.action) == ["device.labels", "device.profile"])
    }

    /// One flush may hold several check-ins of a device: the last is its last sighting, and every report's
    /// install and inference rows are kept (for the same model and version, the later report's). Unknown devices
    /// are skipped for sightings, as a report from a device removed meanwhile must not fail the whole flush.
    @Test(arguments: StoreKind.allCases)
    func aBatchOfCheckinsKeepsEveryReportAndTheLastSighting(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        for id in ["d1", "d2"] { try await store.insertDevice(S.device(id)) }
        func report(_ installs: [InstallReport], _ stats: [InferenceStats] = [], state: String = "idle") -> CheckinRequest {
            CheckinRequest(installed: [], state: state, stats: stats, installs: installs)
        }
        let stats = InferenceStats(model: "m", version: S.v1, count: 5, errors: 0, latencyP50Milliseconds: 0.5, latencyP95Milliseconds: nil)
        try await store.recordCheckins([
            CheckinRecord(deviceID: "d2", at: S.at(1), report: report([InstallReport(model: "m", version: S.v1, result: .ok, selfTest: .passed)])),
            CheckinRecord(deviceID: "d1", at: S.at(2), report: report([InstallReport(model: "m", version: S.v1, result: .failed, message: "first")])),
            CheckinRecord(deviceID: "ghost", at: S.at(2), report: report([])),
            CheckinRecord(
                deviceID: "d1", at: S.at(3),
                report: report(
                    [InstallReport(model: "m", version: S.v1, result: .ok, selfTest: .passed), InstallReport(model: "n", version: S.v2, result: .ok)],
                    [stats], state: "serving"))
        ])
        #expect(try await store.device(id: "d1")?.lastSeenAt == S.at(3))
        #expect(try await store.device(id: "d1")?.lastCheckin?.state == "serving")
        #expect(try await store.device(id: "d2")?.lastSeenAt == S.at(1))
        let rows = try await store.health(deviceID: "d1")
        #expect(rows.map { "\($0.model) \($0.version)" } == ["m 1.0.0", "n 2.0.0"])
        #expect(rows[0].install == .ok && rows[0].message == nil && rows[0].inferences == 5 && rows[0].latencyP50Milliseconds == 0.5)
        #expect(rows[0].latencyP95Milliseconds == nil && rows[0].updatedAt == S.at(3))
        #expect(try await store.health(model: "m").map(\.deviceID) == ["d1", "d2"])
        try await store.recordCheckins([])
    }

    /// A decommissioned device leaves the fleet, its health and its tokens; its events and audit lines stay.
    @Test(arguments: StoreKind.allCases)
    func decommissioningRemovesTheDeviceAndRevokesItsTokens(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        for id in ["d1", "d2"] {
            try await store.insertDevice(S.device(id))
            try await store.insertToken(S.token(id, kind: .device, scopes: [], deviceID: id), audit: nil)
            let report = CheckinRequest(installed: [], state: "idle", installs: [InstallReport(model: "m", version: S.v1, result: .ok, selfTest: .passed)])
            try await store.recordCheckins([CheckinRecord(deviceID: id, at: S.at(1), report: report)])
        }
        try await store.insertEvents([RecordedEvent(deviceID: "d1", receivedAt: S.at(1), event: DeviceEvent(kind: "install", message: "kept", at: S.at(1)))])
        try await store.decommissionDevice(id: "d1", audit: S.audit("device.decommission", subject: "d1", at: 7))
        #expect(try await store.devices().map(\.id) == ["d2"])
        #expect(try await store.device(id: "d1") == nil)
        #expect(try await store.decommissionedAt(deviceID: "d1") == S.at(7))
        #expect(try await store.decommissionedAt(deviceID: "d2") == nil)
        #expect(try await store.health(model: "m").map(\.deviceID) == ["d2"])
        #expect(try await store.token(hash: S.token("d1").hash)?.revokedAt == S.at(7))
        #expect(try await store.token(hash: S.token("d2").hash)?.revokedAt == nil)
        #expect(try await store.events(deviceID: "d1").count == 1)
        await #expect(throws: StoreRefusals.deviceNotInFleet("d1")) { try await store.decommissionDevice(id: "d1", audit: S.audit("x")) }
        await #expect(throws: StoreRefusals.deviceNotEnrolled("d1")) { try await store.setLabels(deviceID: "d1", labels: [:], audit: S.audit("x")) }
        #expect(try await store.audit(since: nil).map(\.action) == ["device.decommission"])
    }

    @Test(arguments: StoreKind.allCases)
    func assignmentsAreReplacedPerModelAndSelector(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        let cameras = try LabelSelector(parsing: "type=camera")
        try await store.setAssignment(AssignmentRecord(model: "m", selector: cameras, updatedAt: S.now), audit: S.audit("assign"))
        try await store.setAssignment(AssignmentRecord(model: "a", selector: LabelSelector([:]), updatedAt: S.now), audit: S.audit("assign"))
        let pinned = AssignmentRecord(model: "m", selector: cameras, version: S.v2, variant: "int8", updatedAt: S.at(5))
        try await store.setAssignment(pinned, audit: S.audit("assign"))
        let stored = try await store.assignments()
        #expect(stored.map(\.model) == ["a", "m"])
        #expect(stored.last == pinned)
        #expect(try await store.audit(since: nil).count == 3)
    }
}
