public import InferenceEngine

/// How the engine runs on this device: on all physical cores, or, on battery below a threshold, in
/// the engine's efficiency mode (one thread, small scratch buffers): slower answers, fewer cores
/// awake. Checked per request, so a device moves between the two as its charge changes.
public struct InferencePowerPolicy: Sendable, Equatable {
    /// Threads a run may use; nil: the machine's physical cores.
    public var threads: Int?
    /// Below this charge (percent) requests run in efficiency mode; nil: never.
    public var efficiencyBelowBatteryPercent: Int?
    public var battery: BatteryGauge

    public init(threads: Int? = nil, efficiencyBelowBatteryPercent: Int? = nil, battery: BatteryGauge = BatteryGauge()) {
        self.threads = threads
        self.efficiencyBelowBatteryPercent = efficiencyBelowBatteryPercent
        self.battery = battery
    }

    /// The options for requests while power is plentiful.
    public var fullOptions: SessionOptions {
        SessionOptions(
            threads: threads ?? CPUTopology.physicalCores, maximumRetainedBytes: Self.maximumRetainedBytes, rowSliceBytes: Self.rowSliceBytes)
    }

    /// The options for requests in efficiency mode.
    public var efficientOptions: SessionOptions {
        var options = SessionOptions.efficient
        options.maximumRetainedBytes = Self.maximumRetainedBytes
        options.rowSliceBytes = Self.rowSliceBytes
        return options
    }

    /// Engine buffers kept between requests (64 MiB): steady small requests keep theirs and run
    /// without fresh pages; one huge batch gives its buffers back, so the agent returns to its
    /// idle size after it.
    public static let maximumRetainedBytes = 64 << 20

    /// Batches with more input than this (1 MiB) run in slices of rows when the model allows it:
    /// a device's memory for one request is then its tensors and a slice's activations, not the
    /// whole batch's activations (issue #15: a 57 MB body to a 256-wide MLP took 7x the body).
    /// A slice of 1 MiB of input is still thousands of rows for a vector model, or a few images,
    /// so the per-run overhead does not show.
    public static let rowSliceBytes = 1 << 20

    /// Whether requests should run in efficiency mode now.
    public func prefersEfficiency() -> Bool {
        guard let limit = efficiencyBelowBatteryPercent, let charge = battery.percent() else { return false }
        return charge < limit
    }
}
