import FleetCore

extension Journal.SyncRecord {
    /// The install result the registry's rollout gates need, for a sync that finished (activated or failed).
    /// A sync still in progress or deferred reports nothing yet.
    var installReport: InstallReport? {
        switch phase {
        case .activated:
            return InstallReport(model: model, version: version, result: .ok, selfTest: detail.contains("self-test skipped") ? .skipped : .passed)
        case .failed:
            return InstallReport(model: model, version: version, result: .failed,
                                 selfTest: detail.hasPrefix("self-test failed") ? .failed : nil, message: detail)
        case .planned, .downloaded, .staged:
            return nil
        }
    }
}
