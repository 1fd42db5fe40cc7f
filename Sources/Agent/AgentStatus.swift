/// The device agent (sync engine, installer, inference host) is not built yet: see issue #4.
/// This type exists so the executable can say so plainly instead of pretending to sync.
public enum AgentStatus {
    public static let unavailableReason = "the device agent is not implemented yet (tracked in issue #4)"
}
