import FleetCore
import FleetHTTP
import TestSupport
import Testing

/// Model and variant names a device reports are held to the rule manifests are (1-128 of a-z 0-9 . _ -):
/// schemathesis found a check-in reporting variant "" accepted, after which GET /v1/devices/{id} answered a
/// body that broke the registry's own schema. A broken report is refused whole, saying which name.
@Suite struct CheckinNameTests {
    static let v1 = SemanticVersion(major: 1, minor: 0, patch: 0)

    @Test(arguments: [
        (
            CheckinRequest(installed: [InstalledModel(model: "digits-mlp", version: v1, variant: "")], state: "idle"),
            "installed[0].variant '' must be 1-128 characters of a-z 0-9 . _ -, not starting with . or -"
        ),
        (
            CheckinRequest(installed: [InstalledModel(model: "Digits MLP", version: v1, variant: "fp32")], state: "idle"),
            "installed[0].model 'Digits MLP' must be 1-128 characters of a-z 0-9 . _ -, not starting with . or -"
        ),
        (
            CheckinRequest(installed: [], state: "idle", stats: [InferenceStats(model: "../etc", version: v1, count: 1, errors: 0)]),
            "stats[0].model '../etc' must be 1-128 characters of a-z 0-9 . _ -, not starting with . or -"
        ),
        (
            CheckinRequest(installed: [], state: "idle", installs: [InstallReport(model: "", version: v1, result: .ok)]),
            "installs[0].model '' must be 1-128 characters of a-z 0-9 . _ -, not starting with . or -"
        )
    ])
    func aReportedNameOutsideTheRuleIsRefused(report: CheckinRequest, message: String) async throws {
        let registry = try await RegistryHarness.start()
        let device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let failure = await #expect(throws: RegistryClient.Failure.self) { try await device.client.checkin(deviceID: device.id, report) }
        #expect(failure?.status == 400)
        #expect(failure?.message == message)
        // Nothing of the refused report was kept.
        let detail = try await registry.raw("GET", "/v1/devices/\(device.id)", token: registry.adminToken)
        #expect(detail.status == 200)
        #expect(!detail.text.contains("lastSeenAt"))
    }

    @Test func validNamesStillCheckIn() async throws {
        let registry = try await RegistryHarness.start()
        let device = try await SimulatedDevice.enroll(registry, labels: ["type": "camera"])
        let report = CheckinRequest(
            installed: [InstalledModel(model: "digits-mlp", version: Self.v1, variant: "int8_v2.1")], state: "idle",
            stats: [InferenceStats(model: "digits-mlp", version: Self.v1, count: 1, errors: 0)],
            installs: [InstallReport(model: "digits-mlp", version: Self.v1, result: .ok)])
        _ = try await device.client.checkin(deviceID: device.id, report)
    }
}
