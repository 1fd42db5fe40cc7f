/// Where a model's time goes, per operator type: what `modelfleet-agent profile` prints.
public struct OperatorProfile: Sendable {
    public struct Entry: Sendable {
        public let opType: String
        /// Nodes executed, summed over the profiled runs.
        public let count: Int
        public let totalMilliseconds: Double
    }

    public let entries: [Entry]
    public let runs: Int

    /// Entries by total time, largest first.
    public var byTime: [Entry] { entries.sorted { $0.totalMilliseconds > $1.totalMilliseconds } }
    public var totalMilliseconds: Double { entries.reduce(0) { $0 + $1.totalMilliseconds } }
}

/// Collects step timings during runs; one recorder per profiling call, never shared between threads.
/// Times are exclusive: an If, Loop or Scan is charged only what its own work took, and the
/// operators inside its subgraph are charged under their own types, so shares add up to 100%.
final class ProfileRecorder {
    private var totals: [String: (count: Int, nanoseconds: UInt64)] = [:]
    /// Time spent in nested steps, per step in progress.
    private var nested: [UInt64] = []

    func begin() -> UInt64 {
        nested.append(0)
        return CompiledGraph.now()
    }

    func end(_ opType: String, startedAt start: UInt64) {
        let elapsed = CompiledGraph.now() &- start
        let inner = nested.popLast() ?? 0
        let entry = totals[opType] ?? (0, 0)
        totals[opType] = (entry.count + 1, entry.nanoseconds &+ (elapsed > inner ? elapsed - inner : 0))
        if !nested.isEmpty { nested[nested.count - 1] &+= elapsed }
    }

    func profile(runs: Int) -> OperatorProfile {
        OperatorProfile(
            entries: totals.map { .init(opType: $0.key, count: $0.value.count, totalMilliseconds: Double($0.value.nanoseconds) / 1e6) },
            runs: runs)
    }
}
