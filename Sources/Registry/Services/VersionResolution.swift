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
    static func resolve(
        _ assignment: AssignmentRecord?, placement: RolloutPlacement?, versions: [VersionRecord],
        heldBack: Set<SemanticVersion>
    ) -> (version: SemanticVersion, placement: RolloutPlacement?)? {
        let assigned = assigned(assignment, versions: versions, heldBack: heldBack)
        if let placement, !placement.yields(to: assigned) { return (placement.version, placement) }
        return assigned.map { ($0, nil) }
    }

    /// The variant of `version` a device gets: among `records` (the model's), those of that version and of
    /// the assignment's pinned variant, the one `VariantChoice` picks for the profile. A pinned variant the
    /// version lacks is a reason, not silence. Check-ins and rollout gates both use this, so a device the
    /// gates wait for is one its check-in sends the version to. Nil when the version is not published at all.
    static func variant(of version: SemanticVersion, in records: [VersionRecord], pinned variant: String?, profile: DeviceProfile) -> VariantChoice.Outcome? {
        guard records.contains(where: { $0.version == version }) else { return nil }
        let atVersion = records.filter { $0.version == version && matchesPinned($0, variant: variant) }
        if atVersion.isEmpty, let variant {
            return .none(reasons: ["\(variant): pinned by the assignment, but \(version) has no such variant"])
        }
        return VariantChoice.pick(atVersion, profile: profile)
    }

    /// True unless the assignment pins another variant.
    static func matchesPinned(_ version: VersionRecord, variant: String?) -> Bool {
        variant.map { $0 == version.variant } ?? true
    }
}
