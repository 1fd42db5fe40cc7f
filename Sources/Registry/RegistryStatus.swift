/// The registry server (HTTP API, metadata and blob stores) is not built yet: see issue #3.
/// This type exists so the executable can say so plainly instead of pretending to serve.
public enum RegistryStatus {
    public static let unavailableReason = "the registry server is not implemented yet (tracked in issue #3)"
}
