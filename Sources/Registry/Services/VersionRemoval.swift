import FleetCore

/// Removing versions and models (`DELETE /v1/models/…`, and retention in garbage collection): refused
/// while an assignment or a rollout in flight needs what would go, unless forced.
///
/// Devices already running a removed version keep it: the registry stops offering it, and an agent
/// never deletes a live model because its check-in no longer names it. Chunks the removed versions
/// referenced become garbage for the next collection (`ChunkCollector`).
struct VersionRemoval: Sendable {
    let store: any MetadataStore
    let answers: DesiredStateCache

    /// Removes `version` of `model` (one `variant`, or all); every version and the model's assignments when
    /// `version` is nil. Throws `StorageError.conflict` naming each assignment and rollout that needs it, unless `force`.
    func remove(model: String, version: SemanticVersion?, variant: String?, force: Bool, by actor: String, now: Timestamp) async throws -> [VersionRecord] {
        try PublishingService.checkName(model, what: "model name")
        if let variant { try PublishingService.checkName(variant, what: "variant") }
        let versions = try await store.versions(of: model)
        let doomed = versions.filter { (version == nil || $0.version == version) && (variant == nil || $0.variant == variant) }
        let subject = version.map { "\(model) \($0)\(variant.map { " (\($0))" } ?? "")" } ?? "model \(model)"
        guard !doomed.isEmpty else { throw StorageError.notFound("\(subject) is not in the registry") }
        let needs = try await needs(model: model, versions: versions, doomed: doomed, wholeModel: version == nil)
        if !needs.isEmpty, !force {
            throw StorageError.conflict("\(subject) is still needed: \(needs.joined(separator: "; ")); change those first, or pass --force (force=true)")
        }
        let detail =
            doomed.map { "\($0.version) (\($0.variant))" }.joined(separator: ", ") + (needs.isEmpty ? "" : "; forced past: " + needs.joined(separator: "; "))
        let removed = try await store.deleteVersions(
            model: model, version: version, variant: variant,
            audit: AuditEntry(at: now, actor: actor, action: version == nil ? "model.remove" : "version.remove", subject: model, detail: detail))
        answers.invalidate()
        return removed
    }

    /// What would lose a version it needs if `doomed` went: assignments that pin one of them (or resolve to
    /// one as "the latest"), and rollouts in flight to or back from one of them. Empty: safe to remove.
    func needs(model: String, versions: [VersionRecord], doomed: [VersionRecord], wholeModel: Bool) async throws -> [String] {
        let all = try await store.rollouts()
        let rollouts = all.filter { $0.model == model && $0.state.isInFlight }
        let heldBack = RolloutOverlay(rollouts: all).heldBack(model: model, versions: versions)
        var needs: [String] = []
        for assignment in try await store.assignments() where assignment.model == model {
            let name = "assignment '\(assignment.selector)'"
            if wholeModel {
                needs.append("\(name) assigns it")
                continue
            }
            guard let wanted = VersionResolution.assigned(assignment, versions: versions, heldBack: heldBack) else { continue }
            // Any variant of the wanted version going is a loss: some device class receives that one.
            if doomed.contains(where: { $0.version == wanted && VersionResolution.matchesPinned($0, variant: assignment.variant) }) {
                needs.append("\(name) \(assignment.version == nil ? "resolves to" : "pins") \(wanted)")
            }
        }
        for rollout in rollouts {
            let versionsNeeded = [rollout.version] + (rollout.previousVersion.map { [$0] } ?? [])
            if wholeModel || versionsNeeded.contains(where: { needed in doomed.contains { $0.version == needed } }) {
                needs.append("rollout \(rollout.id) (\(rollout.state.rawValue), \(rollout.previousVersion.map { "\($0) -> " } ?? "")\(rollout.version))")
            }
        }
        return needs
    }
}
