import FleetCore

extension CheckinRequest {
    /// Latencies a device can plausibly report, in milliseconds (up to about 2.8 hours per inference).
    static let plausibleLatencyMilliseconds = 0.0...1e7

    /// Refuses (400) a check-in whose inference stats are non-finite or absurd: stored, they would feed
    /// the rollout gates ratios that mean nothing (and used to overflow the gate's message formatting);
    /// or that names a model or variant outside the manifest name rule: stored, it would come back in
    /// device answers that break their documented schema. A broken agent hears why; the registry keeps
    /// nothing from that report.
    func checkPlausible() throws {
        try checkNames()
        for (index, stats) in self.stats.enumerated() {
            for (name, value) in [("latencyP50Milliseconds", stats.latencyP50Milliseconds), ("latencyP95Milliseconds", stats.latencyP95Milliseconds)] {
                guard let value, !Self.plausibleLatencyMilliseconds.contains(value) else { continue }
                throw StorageError.invalid(
                    "stats[\(index)].\(name) for \(stats.model) \(stats.version) must be between 0 and 10000000 ms, got \(value)")
            }
        }
    }

    /// Every model and variant name the report carries, as `ManifestValidator` holds manifests to it.
    private func checkNames() throws {
        var names: [(String, String)] = []
        for (index, model) in installed.enumerated() {
            names += [(model.model, "installed[\(index)].model"), (model.variant, "installed[\(index)].variant")]
        }
        names += stats.enumerated().map { ($1.model, "stats[\($0)].model") }
        names += installs.enumerated().map { ($1.model, "installs[\($0)].model") }
        for (name, what) in names {
            if let problem = ManifestValidator.nameProblem(name, what: what) { throw StorageError.invalid(problem) }
        }
    }
}
