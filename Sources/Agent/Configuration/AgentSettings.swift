public import FleetCore
public import FleetHTTP

/// Everything the agent needs to run; filled from flags and `MODELFLEET_*` variables by the executable.
public struct AgentSettings: Sendable {
    public var registry: String
    public var enrollToken: String?
    public var dataDirectory: String
    public var trustedKeys: [PublisherPublicKey]
    /// The root whose trust documents say which publishers to accept (`DeviceTrust`); nil: only `trustedKeys`.
    public var trustRoot: PublisherPublicKey?
    public var labels: [String: String]
    public var checkinIntervalSeconds: Int
    /// Total bytes the agent may keep on disk (chunk store + versions); nil: only the free space limits it.
    public var diskBudgetBytes: UInt64?
    public var transfer: TransferOptions
    /// Accept a plain `http://` registry that is not on loopback (`--insecure-http`); refused otherwise.
    public var allowInsecureHTTP = false
    /// Where the local API listens (loopback by default: it is for processes on the device).
    public var listenAddress = "127.0.0.1:8181"
    /// Worker threads, queued connections and accept backlog of the local API.
    public var localAPILimits = LocalAPIServer.Limits()
    /// Download windows and the battery rule.
    public var policy = SyncPolicy()
    /// Chunk downloads in flight at once (hides link latency; the bandwidth cap still holds for the sum).
    public var parallelDownloads = 8
    /// Engine threads, and when to switch the engine to efficiency mode on battery.
    public var inferencePower = InferencePowerPolicy()

    public init(
        registry: String, enrollToken: String?, dataDirectory: String, trustedKeys: [PublisherPublicKey],
        labels: [String: String] = [:], checkinIntervalSeconds: Int = 300, diskBudgetBytes: UInt64? = nil,
        transfer: TransferOptions = TransferOptions()
    ) {
        self.registry = registry
        self.enrollToken = enrollToken
        self.dataDirectory = dataDirectory
        self.trustedKeys = trustedKeys
        self.labels = labels
        self.checkinIntervalSeconds = checkinIntervalSeconds
        self.diskBudgetBytes = diskBudgetBytes
        self.transfer = transfer
    }
}
