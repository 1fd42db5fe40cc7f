import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@Suite struct DecommissionTests {
    @Test func aDecommissionedDeviceIsRefusedAndGoneFromQueriesButItsHistoryStays() async throws {
        let registry = try await RegistryHarness.start()
        let kept = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let gone = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        try await gone.client.report(deviceID: gone.id, EventBatch(events: [DeviceEvent(kind: "install", message: "before", at: .now())]))
        try await kept.checkin()
        try await gone.checkin()
        #expect(try await registry.admin.fleetStatus().value.devices == 2)

        let answer = try await registry.admin.decommission(deviceID: gone.id).value
        #expect(answer.deviceID == gone.id)

        // Its token stops working at once, with a code its agent recognises (not a plain 401 to retry).
        let refused = try await registry.raw(
            "POST", "/v1/devices/\(gone.id)/checkin", token: gone.client.token, body: Array(#"{"installed":[],"state":"idle"}"#.utf8))
        #expect(refused.status == 403)
        #expect(RegistryClient.failure(refused).code == "device_decommissioned")
        #expect(RegistryClient.failure(refused).message.contains("device \(gone.id) was decommissioned"))
        let events = try await registry.raw("POST", "/v1/devices/\(gone.id)/events", token: gone.client.token, body: Array(#"{"events":[]}"#.utf8))
        #expect(events.status == 403)
        // The other device is untouched.
        try await kept.checkin()

        #expect(try await registry.admin.devices().value.devices.map(\.id) == [kept.id])
        #expect(try await registry.admin.fleetStatus().value.devices == 1)
        let detail = try await registry.raw("GET", "/v1/devices/\(gone.id)", token: registry.adminToken)
        #expect(detail.status == 404)
        #expect(RegistryClient.failure(detail).message.contains("device \(gone.id) was decommissioned at"))
        // History stays: its events and the audit line.
        #expect(try await registry.admin.events(deviceID: gone.id).value.events.map(\.event.message) == ["before"])
        let audit = try await registry.admin.audit().value.entries
        #expect(audit.contains { $0.action == "device.decommission" && $0.subject == gone.id && $0.actor == "admin.token" })
        // Labels cannot be set on it, and a second decommissioning is a 404.
        let labels = try await registry.raw("PUT", "/v1/devices/\(gone.id)/labels", token: registry.adminToken, body: Array(#"{"labels":{"a":"b"}}"#.utf8))
        #expect(labels.status == 404)
        let again = try await registry.raw("DELETE", "/v1/devices/\(gone.id)", token: registry.adminToken)
        #expect(again.status == 404)
    }

    @Test func decommissioningNeedsTheFleetScope() async throws {
        let registry = try await RegistryHarness.start()
        let device = try await SimulatedDevice.enroll(registry, labels: [:])
        let reader = try await registry.admin.createToken(TokenRequest(scopes: [.read], label: "r")).value.token
        #expect(try await registry.raw("DELETE", "/v1/devices/\(device.id)", token: reader).status == 403)
        #expect(try await registry.raw("DELETE", "/v1/devices/\(device.id)", token: device.client.token).status == 403)
        try await device.checkin()
    }
}

@Suite struct ReportedProfileTests {
    /// A check-in carrying a changed profile replaces the enrolled one, labels included, with an audit line;
    /// one without a profile changes nothing (labels an operator set stay).
    @Test func aChangedProfileAtCheckinReplacesTheEnrolledOne() async throws {
        let registry = try await RegistryHarness.start()
        let device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        var profile = DeviceProfile(arch: "x86_64", ramBytes: 2 << 30, diskBytes: 8 << 30, engineVersion: "0.0.1", labels: ["type": "gateway", "site": "eu"])
        _ = try await device.client.checkin(deviceID: device.id, CheckinRequest(installed: [], state: "idle", profile: profile))
        var detail = try await registry.admin.device(id: device.id).value
        #expect(detail.device.labels == ["type": "gateway", "site": "eu"])
        #expect(detail.profile.ramBytes == 2 << 30 && detail.profile.engineVersion == "0.0.1")
        let line = try #require(try await registry.admin.audit().value.entries.last { $0.action == "device.profile" })
        #expect(line.actor == "device \(device.id)" && line.detail.contains("labels site=eu,type=gateway") && line.detail.contains("engine 0.0.1"))

        _ = try await registry.admin.setLabels(deviceID: device.id, ["type": "gateway", "site": "us"])
        try await device.checkin()
        detail = try await registry.admin.device(id: device.id).value
        #expect(detail.device.labels["site"] == "us")
        // A profile equal to what the registry holds (labels as they are now) is not a change: no audit line.
        profile.labels = ["type": "gateway", "site": "us"]
        _ = try await device.client.checkin(deviceID: device.id, CheckinRequest(installed: [], state: "idle", profile: profile))
        #expect(try await registry.admin.audit().value.entries.filter { $0.action == "device.profile" }.count == 1)
        profile.ramBytes = 4 << 30
        _ = try await device.client.checkin(deviceID: device.id, CheckinRequest(installed: [], state: "idle", profile: profile))
        _ = try await device.client.checkin(deviceID: device.id, CheckinRequest(installed: [], state: "idle", profile: profile))
        #expect(try await registry.admin.audit().value.entries.filter { $0.action == "device.profile" }.count == 2)
        #expect(try await registry.admin.device(id: device.id).value.profile.ramBytes == 4 << 30)
    }
}
