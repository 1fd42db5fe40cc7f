public import FleetCore
public import FleetHTTP

/// A device without an agent: enrolls and checks in with whatever it is told to report, so registry
/// tests can stage any fleet state (failed self-tests, latencies) over real HTTP.
public struct SimulatedDevice: Sendable {
    public let id: String
    public let client: RegistryClient

    public static func enroll(_ registry: RegistryHarness, labels: [String: String], ramBytes: UInt64 = 1 << 30, supportedOps: [String] = []) async throws
        -> SimulatedDevice
    {
        let profile = DeviceProfile(arch: "x86_64", ramBytes: ramBytes, diskBytes: 8 << 30, engineVersion: "0.0.0", supportedOps: supportedOps, labels: labels)
        let enrolled = try await registry.client(token: registry.enrollToken).enroll(profile)
        return SimulatedDevice(id: enrolled.deviceID, client: registry.client(token: enrolled.token))
    }

    /// Checks in reporting `installed` (model, version) pairs and install results; returns what it should run.
    @discardableResult
    public func checkin(installed: [(String, String)] = [], installs: [InstallReport] = [], stats: [InferenceStats] = []) async throws -> [DesiredModel] {
        let models = try installed.map { InstalledModel(model: $0.0, version: try SemanticVersion(parsing: $0.1), variant: "fp32") }
        return try await client.checkin(deviceID: id, CheckinRequest(installed: models, state: "idle", stats: stats, installs: installs)).desired
    }
}
