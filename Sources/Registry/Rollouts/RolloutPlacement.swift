import FleetCore

/// What a rollout says one device should run of its model.
struct RolloutPlacement: Equatable, Sendable {
    var version: SemanticVersion
    /// Set when `version` is a rollback target: the agent needs it to accept the downgrade.
    var rollback: RollbackDirective?
}

extension Rollout {
    var labelSelector: LabelSelector? { try? LabelSelector(parsing: selector) }

    /// True when the device is targeted and in the cohort of the stage reached so far.
    func reaches(deviceID: String, labels: [String: String]) -> Bool {
        guard let labelSelector, labelSelector.matches(labels) else { return false }
        return Cohort.contains(deviceID: deviceID, rolloutID: id, percent: percent)
    }

    /// Nil when the rollout does not reach the device: it then runs what it would without this rollout.
    /// Devices reached keep the new version when the rollout is paused, aborted or completed (no
    /// device is asked to downgrade without a signed rollback); a rollback sends them to `previousVersion`.
    func placement(deviceID: String, labels: [String: String]) -> RolloutPlacement? {
        guard reaches(deviceID: deviceID, labels: labels) else { return nil }
        switch state {
        case .active, .paused, .completed, .aborted:
            return RolloutPlacement(version: version)
        case .rolledBack:
            return previousVersion.map { RolloutPlacement(version: $0, rollback: rollback) }
        }
    }
}

/// Every rollout's say for one device, per model; a later rollout of a model overrides an earlier one.
struct RolloutOverlay: Sendable {
    let rollouts: [Rollout]

    func placements(deviceID: String, labels: [String: String]) -> [String: RolloutPlacement] {
        var placements: [String: RolloutPlacement] = [:]
        for rollout in rollouts {
            if let placement = rollout.placement(deviceID: deviceID, labels: labels) { placements[rollout.model] = placement }
        }
        return placements
    }

    /// Versions that reach devices only through their rollout: an unpinned assignment ("the latest")
    /// must not hand a version under rollout to every device. Completing a rollout releases its version.
    func heldBack(model: String) -> Set<SemanticVersion> {
        let mine = rollouts.filter { $0.model == model }
        let released = Set(mine.filter { $0.state == .completed }.map(\.version))
        return Set(mine.filter { $0.state != .completed }.map(\.version)).subtracting(released)
    }
}
