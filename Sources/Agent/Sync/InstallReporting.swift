import FleetCore

extension Journal.SyncRecord {
    /// The install result the registry's rollout gates need, for a sync that finished (activated or failed).
    /// A sync still in progress or deferred reports nothing yet.
    var installReport: InstallReport? {
        switch phase {
        case .activated:
            return InstallReport(model: model, version: version, result: .ok, selfTest: selfTest ?? .passed)
        case .failed:
            return InstallReport(model: model, version: version, result: .failed, selfTest: selfTest, message: detail)
        case .planned, .downloaded, .staged:
            return nil
        }
    }

    /// This exact manifest already failed its self-test here; it would fail the same way again.
    func failedSelfTest(of manifestDigest: Digest) -> Bool {
        self.manifestDigest == manifestDigest && phase == .failed && selfTest == .failed
    }
}
