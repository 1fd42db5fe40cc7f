import FleetCore

/// Which version of a model a device resolves to from its assignment and the rollouts that reach it:
/// the rule check-ins are answered with, and the one a new rollout reads its rollback target from, in one place.
enum VersionResolution {
    /// Per model, the most specific assignment matching `labels` (most selector keys, then the newest).
    static func chosenAssignments(_ assignments: [AssignmentRecord], labels: [String: String]) -> [String: AssignmentRecord] {
        Dictionary(grouping: assignments.filter { $0.selector.matches(labels) }, by: \.model).compactMapValues { candidates in
            candidates.max { ($0.selector.requirements.count, $0.updatedAt) < ($1.selector.requirements.count, $1.updatedAt) }
        }
    }

    /// An assignment's pinned version, or the latest committed one (of its pinned variant) not held back.
    static func assigned(_ assignment: AssignmentRecord?, versions: [VersionRecord], heldBack: Set<SemanticVersion>) -> SemanticVersion? {
        guard let assignment else { return nil }
        if let pinned = assignment.version { return pinned }
        return versions.filter { !heldBack.contains($0.version) && matchesPinned($0, variant: assignment.variant) }.map(\.version).max()
    }

    /// The version wanted, and the placement that decided it (nil when the assignment did): an active or
    /// paused rollout's placement always wins; a finished rollout's until the assignment resolves to a
    /// version newer than the rollout's (`RolloutPlacement.yields(to:)`).
    static func resolve(_ assignment: AssignmentRecord?, placement: RolloutPlacement?, versions: [VersionRecord],
                        heldBack: Set<SemanticVersion>) -> (version: SemanticVersion, placement: RolloutPlacement?)? {
        let assigned = assigned(assignment, versions: versions, heldBack: heldBack)
        if let placement, !placement.yields(to: assigned) { return (placement.version, placement) }
        return assigned.map { ($0, nil) }
    }

    /// True unless the assignment pins another variant.
    static func matchesPinned(_ version: VersionRecord, variant: String?) -> Bool {
        variant.map { $0 == version.variant } ?? true
    }
}
