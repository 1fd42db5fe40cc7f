public import FleetCore

/// `/v1/devices`, `/v1/fleet/status` and `/v1/audit`: the operator's view of the fleet (fleet scope).
extension RegistryClient {
    /// Devices whose labels match `selector` (all when nil), optionally only those in `state`. Both are passed
    /// as typed by an operator, unchecked: the registry refuses a bad one naming what it accepts.
    public func devices(selector: String? = nil, state: String? = nil) async throws -> RegistryReply<DeviceList> {
        try await call("GET", "/v1/devices" + PathEscaping.query([("select", selector), ("state", state)]), answer: DeviceList.self)
    }

    public func device(id: String) async throws -> RegistryReply<DeviceDetail> {
        try await call("GET", "/v1/devices/\(PathEscaping.escape(id))", answer: DeviceDetail.self)
    }

    /// Replaces the device's labels with `labels` (all of them); answers the device as `device(id:)` does.
    public func setLabels(deviceID: String, _ labels: [String: String]) async throws -> RegistryReply<DeviceDetail> {
        try await call("PUT", "/v1/devices/\(PathEscaping.escape(deviceID))/labels", body: json(DeviceLabels(labels: labels)), answer: DeviceDetail.self)
    }

    /// What a device reported, oldest first.
    public func events(deviceID: String) async throws -> RegistryReply<EventList> {
        try await call("GET", "/v1/devices/\(PathEscaping.escape(deviceID))/events", answer: EventList.self)
    }

    public func fleetStatus() async throws -> RegistryReply<FleetStatus> {
        try await call("GET", "/v1/fleet/status", answer: FleetStatus.self)
    }

    /// Audit lines at or after `since` (all when nil), oldest first.
    public func audit(since: Timestamp? = nil) async throws -> RegistryReply<AuditLog> {
        try await call("GET", "/v1/audit" + PathEscaping.query([("since", since?.description)]), answer: AuditLog.self)
    }
}
