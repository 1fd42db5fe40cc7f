public import FleetCore

/// Removing what was created: decommissioning devices, removing versions and models, collecting chunks.
extension RegistryClient {
    /// Decommissions a device (fleet scope): its token stops working at once; its history stays in the audit log.
    @discardableResult
    public func decommission(deviceID: String) async throws -> RegistryReply<DecommissionedDevice> {
        try await call("DELETE", "/v1/devices/\(PathEscaping.escape(deviceID))", answer: DecommissionedDevice.self)
    }

    /// Removes a version (one variant, or all) of a model (admin scope). Without `force`, a 409 `Failure`
    /// names each assignment and rollout in flight that needs it.
    @discardableResult
    public func removeVersion(model: String, version: SemanticVersion, variant: String? = nil, force: Bool = false) async throws
        -> RegistryReply<RemovedVersions>
    {
        let query = PathEscaping.query([("variant", variant), ("force", force ? "true" : nil)])
        return try await call(
            "DELETE", "/v1/models/\(PathEscaping.escape(model))/versions/\(PathEscaping.escape(version.description))\(query)",
            answer: RemovedVersions.self)
    }

    /// Removes every version of a model and its assignments (admin scope); 409 while needed unless `force`.
    @discardableResult
    public func removeModel(_ model: String, force: Bool = false) async throws -> RegistryReply<RemovedVersions> {
        try await call(
            "DELETE", "/v1/models/\(PathEscaping.escape(model))\(PathEscaping.query([("force", force ? "true" : nil)]))", answer: RemovedVersions.self)
    }

    /// Runs a chunk garbage collection now (admin scope).
    public func collectGarbage(_ request: GarbageCollectionRequest) async throws -> RegistryReply<GarbageCollectionReport> {
        try await call("POST", "/v1/gc", body: json(request), answer: GarbageCollectionReport.self)
    }
}
