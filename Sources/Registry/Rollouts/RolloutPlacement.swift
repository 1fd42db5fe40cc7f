import FleetCore
import Synchronization

/// What a rollout says one device should run of its model.
struct RolloutPlacement: Equatable, Sendable {
    var version: SemanticVersion
    /// Set when `version` is a rollback target: the agent needs it to accept the downgrade.
    var rollback: RollbackDirective?
    /// Set for a finished rollout (completed, aborted, rolled back): the rollout's own version. The placement
    /// then only holds the device until its assignment resolves to something newer than this; nil (an
    /// active or paused rollout) always wins.
    var yieldsAbove: SemanticVersion?

    /// True when the device should follow its assignment's `assigned` version instead of this placement:
    /// a finished rollout yields to any newer version, so devices follow a later push or pin, never a
    /// downgrade they would refuse without a signed rollback.
    func yields(to assigned: SemanticVersion?) -> Bool {
        guard let yieldsAbove, let assigned else { return false }
        return assigned > yieldsAbove
    }
}

extension Rollout {
    /// The stored selector, parsed; nil (reaching nobody) only if the stored text were malformed,
    /// which creation rules out.
    var labelSelector: LabelSelector? { try? LabelSelector(parsing: selector) }

    /// True when the device is targeted and in the cohort of the stage reached so far.
    func reaches(deviceID: String, labels: [String: String], selector: LabelSelector?) -> Bool {
        guard let selector, selector.matches(labels) else { return false }
        return Cohort.contains(deviceID: deviceID, rolloutID: id, percent: percent)
    }

    func reaches(deviceID: String, labels: [String: String]) -> Bool {
        reaches(deviceID: deviceID, labels: labels, selector: labelSelector)
    }

    /// Nil when the rollout does not reach the device: it then runs what it would without this rollout.
    /// An active or paused rollout places its reached devices on its version, over any assignment.
    /// A finished one only holds them where they are (completed, aborted) or sends them back to
    /// `previousVersion` with the signed directive (rolled back) until their assignment resolves to a
    /// version newer than the rollout's: then they follow it (see `RolloutPlacement.yields(to:)`).
    func placement(deviceID: String, labels: [String: String], selector: LabelSelector?) -> RolloutPlacement? {
        guard reaches(deviceID: deviceID, labels: labels, selector: selector) else { return nil }
        switch state {
        case .active, .paused:
            return RolloutPlacement(version: version)
        case .completed, .aborted:
            return RolloutPlacement(version: version, yieldsAbove: version)
        case .rolledBack:
            return previousVersion.map { RolloutPlacement(version: $0, rollback: rollback, yieldsAbove: version) }
        }
    }
}

/// Every rollout's say for one device, per model; a later rollout of a model overrides an earlier one.
/// Built once per change of the rollout list (see `OverlayCache`): check-ins only match and hash.
struct RolloutOverlay: Sendable {
    private let entries: [(rollout: Rollout, selector: LabelSelector?)]
    private let underRollout: [String: Set<SemanticVersion>]
    private let released: [String: Set<SemanticVersion>]

    init(rollouts: [Rollout]) {
        entries = rollouts.map { ($0, $0.labelSelector) }
        var underRollout: [String: Set<SemanticVersion>] = [:]
        var released: [String: Set<SemanticVersion>] = [:]
        for (model, mine) in Dictionary(grouping: rollouts, by: \.model) {
            released[model] = Set(mine.filter { $0.state == .completed }.map(\.version))
            underRollout[model] = Set(mine.filter { $0.state != .completed }.map(\.version))
        }
        self.underRollout = underRollout
        self.released = released
    }

    func placements(deviceID: String, labels: [String: String]) -> [String: RolloutPlacement] {
        var placements: [String: RolloutPlacement] = [:]
        for (rollout, selector) in entries {
            if let placement = rollout.placement(deviceID: deviceID, labels: labels, selector: selector) { placements[rollout.model] = placement }
        }
        return placements
    }

    /// Versions that reach devices only through their rollout: an unpinned assignment ("the latest")
    /// must not hand a version under rollout to every device, nor one pushed with `--hold` (`versions`
    /// are the model's committed rows) before its rollout exists. Completing a rollout releases its version.
    func heldBack(model: String, versions: [VersionRecord]) -> Set<SemanticVersion> {
        let pushedHeld = Set(versions.filter(\.held).map(\.version))
        return (underRollout[model] ?? []).union(pushedHeld).subtracting(released[model] ?? [])
    }
}

/// The overlay for the current rollout list, rebuilt only when the list changes. The store's cache hands
/// out the same array until it reloads, so the comparison is usually a buffer-identity check.
final class OverlayCache: Sendable {
    private let current = Mutex<(rollouts: [Rollout], overlay: RolloutOverlay)?>(nil)

    func overlay(for rollouts: [Rollout]) -> RolloutOverlay {
        if let cached = current.withLock({ $0 }), cached.rollouts == rollouts { return cached.overlay }
        let overlay = RolloutOverlay(rollouts: rollouts)
        current.withLock { $0 = (rollouts, overlay) }
        return overlay
    }
}
