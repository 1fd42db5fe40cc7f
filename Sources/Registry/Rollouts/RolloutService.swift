import FleetCore

/// Creates rollouts, applies operators' actions, and advances or pauses rollouts from device health.
///
/// An actor: every change is a read-modify-write of one rollout, and an operator's pause must not be
/// lost to a stage advance computed at the same moment. Across registry replicas the store's revision
/// check does the same job: a change computed from a stale rollout is refused, not applied. Each change
/// goes to the store with its audit line in one transaction, and drops the cached check-in answers that
/// depended on the old state.
actor RolloutService {
    let store: any MetadataStore
    let answers: DesiredStateCache
    let identifiers: Identifiers

    init(store: any MetadataStore, answers: DesiredStateCache, identifiers: Identifiers) {
        self.store = store
        self.answers = answers
        self.identifiers = identifiers
    }

    func create(_ request: RolloutRequest, by actor: String, now: Timestamp) async throws -> RolloutStatus {
        try PublishingService.checkName(request.model, what: "model name")
        let selector = try LabelSelector(parsing: request.selector)
        try Self.validate(stages: request.stages, soakSeconds: request.soakSeconds, gates: request.gates)
        let previous = try await rollbackTarget(for: request, selector: selector)
        let (rollout, audit) = newRollout(request, selector: selector, previous: previous, by: actor, now: now)
        _ = try await store.createRollout(rollout, superseding: request.supersede ?? false, audit: audit)
        answers.invalidate()
        return try await status(id: rollout.id)
    }

    /// The request's `previousVersion` if it names a committed version lower than the new one, else
    /// `resolvedBefore`. Throws 404 when the new version is not committed.
    private func rollbackTarget(for request: RolloutRequest, selector: LabelSelector) async throws -> SemanticVersion? {
        let records = try await store.versions(of: request.model)
        let versions = Set(records.map(\.version))
        guard versions.contains(request.version) else {
            throw StorageError.notFound("\(request.model) has no committed version \(request.version); push it first")
        }
        guard let chosen = request.previousVersion else { return try await resolvedBefore(request, selector: selector, versions: records) }
        guard versions.contains(chosen) && chosen < request.version else {
            throw StorageError.invalid("previousVersion \(chosen) must be a committed version lower than \(request.version)")
        }
        return chosen
    }

    /// The new rollout and its audit line, built outside `create` to keep that async function's frame small
    /// (docs/decisions.md, "Swift 6.3 hazard").
    private func newRollout(
        _ request: RolloutRequest, selector: LabelSelector, previous: SemanticVersion?, by actor: String,
        now: Timestamp
    ) -> (Rollout, AuditEntry) {
        let rollout = Rollout(
            id: identifiers.rolloutID(), model: request.model, version: request.version, previousVersion: previous, selector: selector.description,
            stages: request.stages, soakSeconds: request.soakSeconds, gates: request.gates, stageStartedAt: now, createdAt: now, createdBy: actor
        )
        let detail = "\(rollout.model) \(rollout.version) to '\(rollout.selector)' in stages \(rollout.stages.map(String.init).joined(separator: ","))%"
        return (rollout, AuditEntry(at: now, actor: actor, action: "rollout.create", subject: rollout.id, detail: detail))
    }

    /// The rollback target: the version the target devices resolve to now, with the new version held back
    /// (what they run without this rollout). Not merely the highest version below the new one, which may be
    /// a rolled-back version that never ran. With no target device yet, what a device following the latest
    /// would get. Nil (rollback refused) when that is nothing lower; several versions need `previousVersion`.
    private func resolvedBefore(_ request: RolloutRequest, selector: LabelSelector, versions: [VersionRecord]) async throws -> SemanticVersion? {
        let overlay = RolloutOverlay(rollouts: try await store.rollouts())
        let heldBack = overlay.heldBack(model: request.model, versions: versions).union([request.version])
        let assignments = try await store.assignments()
        var resolving: [SemanticVersion: Int] = [:]
        var targets = 0
        for device in try await store.devices() where selector.matches(device.labels) {
            targets += 1
            let assignment = VersionResolution.chosenAssignments(assignments, labels: device.labels)[request.model]
            let placement = overlay.placements(deviceID: device.id, labels: device.labels)[request.model]
            if let resolved = VersionResolution.resolve(assignment, placement: placement, versions: versions, heldBack: heldBack) {
                resolving[resolved.version, default: 0] += 1
            }
        }
        if targets == 0 { return versions.map(\.version).filter { $0 < request.version && !heldBack.contains($0) }.max() }
        let lower = resolving.filter { $0.key < request.version }
        guard lower.count <= 1 else {
            let spelled = lower.sorted { $0.key < $1.key }.map { "\($0.key) on \($0.value)" }.joined(separator: ", ")
            throw StorageError.conflict(
                "the devices matching '\(selector)' run several versions of \(request.model) (\(spelled) devices); pass previousVersion to choose the rollback target"
            )
        }
        return lower.first?.key
    }

    static func validate(stages: [Int], soakSeconds: Int, gates: RolloutGates) throws {
        guard !stages.isEmpty, stages.allSatisfy({ (1...100).contains($0) }), zip(stages, stages.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw StorageError.invalid("stages must be increasing percentages between 1 and 100, e.g. [5, 25, 100]; got \(stages)")
        }
        guard (0...Rollout.maximumSoakSeconds).contains(soakSeconds) else {
            throw StorageError.invalid("soakSeconds must be between 0 and \(Rollout.maximumSoakSeconds) (30 days), got \(soakSeconds)")
        }
        for (name, ratio) in [("maxInstallFailureRatio", gates.maxInstallFailureRatio), ("maxSelfTestFailureRatio", gates.maxSelfTestFailureRatio)]
        where !(0...1).contains(ratio) {
            throw StorageError.invalid("gates.\(name) must be between 0 and 1, got \(ratio)")
        }
        if let regression = gates.maxP95Regression, !(regression >= 0 && regression.isFinite) {
            throw StorageError.invalid("gates.maxP95Regression must be a non-negative ratio (0.2 = +20%), got \(regression)")
        }
        if let increase = gates.maxErrorRateIncrease, !(0...1).contains(increase) {
            throw StorageError.invalid("gates.maxErrorRateIncrease must be between 0 and 1 (0.01 = one point more), got \(increase)")
        }
    }

    func rollout(id: String) async throws -> Rollout {
        guard let rollout = try await store.rollouts().first(where: { $0.id == id }) else { throw StorageError.notFound("no rollout \(id)") }
        return rollout
    }

    func status(id: String) async throws -> RolloutStatus {
        let rollout = try await rollout(id: id)
        let health = RolloutEvaluator.stageHealth(
            rollout, devices: try await store.devices(), health: try await store.health(model: rollout.model),
            variants: try await variants(of: rollout), assignments: try await store.assignments())
        return RolloutStatus(rollout: rollout, health: health)
    }

    private func variants(of rollout: Rollout) async throws -> [VersionRecord] {
        try await store.versions(of: rollout.model).filter { $0.version == rollout.version }
    }

    /// An operator's action. A rollback needs the publisher's directive for exactly this rollout's
    /// `version -> previousVersion`, signed by a registered publisher key; agents check it again.
    ///
    /// The evaluator runs on this actor too, and actors are reentrant: while this call awaits the store or
    /// the publisher keys, a stage advance can be saved. The action is then worked out again from the
    /// rollout as it is now (a few times at most), instead of failing the operator with "changed meanwhile".
    func apply(_ action: RolloutAction, id: String, directive: RollbackDirective?, by actor: String, now: Timestamp) async throws -> RolloutStatus {
        var attempt = 1
        while true {
            let (rollout, audit) = try await applied(action, to: try await rollout(id: id), directive: directive, by: actor, now: now)
            switch await AsyncResult.attempt({ [store] in try await store.saveRollout(rollout, audit: audit) }) {
            case .success:
                answers.invalidate()
                return try await status(id: id)
            case .failure(let error as StorageError) where error.isConflict && attempt < 4:
                attempt += 1
            case .failure(let error):
                throw error
            }
        }
    }

    /// `rollout` after `action`, with its audit line; throws the refusal when the action does not fit its state.
    private func applied(
        _ action: RolloutAction, to rollout: Rollout, directive: RollbackDirective?, by actor: String, now: Timestamp
    ) async throws -> (Rollout, AuditEntry) {
        var rollout = rollout
        let id = rollout.id
        let from = rollout.state
        func refuse() -> StorageError {
            .conflict(
                "rollout \(id) is \(from.rawValue); \(action.rawValue) needs it \(action == .resume ? "paused" : action == .rollback ? "not already rolled back" : "active or paused")"
            )
        }
        switch action {
        case .pause:
            guard from == .active else { throw refuse() }
            rollout.state = .paused
        case .resume:
            guard from == .paused else { throw refuse() }
            rollout.state = .active
        case .abort:
            guard from.isInFlight else { throw refuse() }
            rollout.state = .aborted
        case .rollback:
            guard from != .completed else {
                throw StorageError.conflict(
                    "rollout \(id) is completed: \(rollout.version) was released to every device following the latest, not only the rollout's cohort, and a rollback would tell only the cohort to go back; roll forward instead (push a fixed version and roll it out), or create a new rollout"
                )
            }
            guard from != .rolledBack else { throw refuse() }
            rollout.rollback = try await checked(directive, for: rollout)
            rollout.state = .rolledBack
        }
        rollout.reason = "\(action.rawValue) by \(actor)"
        rollout.updatedAt = now
        let audit = AuditEntry(
            at: now, actor: actor, action: "rollout.\(action.rawValue)", subject: id, detail: "\(from.rawValue) -> \(rollout.state.rawValue)")
        return (rollout, audit)
    }

    private func checked(_ directive: RollbackDirective?, for rollout: Rollout) async throws -> RollbackDirective {
        guard let previous = rollout.previousVersion else {
            throw StorageError.conflict("rollout \(rollout.id) has no previous version of \(rollout.model) to roll back to")
        }
        guard let directive else {
            throw StorageError.invalid("a rollback needs a directive signed by a publisher key: {\"directive\": …} (fleetctl rollout rollback --key)")
        }
        guard directive.model == rollout.model, directive.fromVersion == rollout.version, directive.toVersion == previous else {
            throw StorageError.mismatchedDirective(
                "the directive allows \(directive.model) \(directive.fromVersion) -> \(directive.toVersion); this rollout needs \(rollout.model) \(rollout.version) -> \(previous)"
            )
        }
        try await PublisherTrust(store: store).trustedPublishers().verify(directive)
        return directive
    }

    /// Advances, completes or pauses every active rollout whose gates say so. Called every second by
    /// `RolloutScheduler`; returns the rollouts it changed.
    @discardableResult
    func evaluate(now: Timestamp) async throws -> [Rollout] {
        let active = try await store.rollouts().filter { $0.state == .active }
        guard !active.isEmpty else { return [] }
        let devices = try await store.devices()
        var changed: [Rollout] = []
        for var rollout in active {
            let health = RolloutEvaluator.stageHealth(
                rollout, devices: devices, health: try await store.health(model: rollout.model),
                variants: try await variants(of: rollout), assignments: try await store.assignments())
            let action: String
            switch RolloutEvaluator.decide(rollout, health, now: now) {
            case .hold:
                continue
            case .advance:
                rollout.reason = "stage \(rollout.stage + 1) (\(rollout.percent)%) passed: \(health.installed) of \(health.devices) devices installed"
                rollout.stage += 1
                rollout.stageStartedAt = now
                action = "rollout.advanced"
            case .complete:
                rollout.state = .completed
                rollout.reason = "every stage passed: \(health.installed) of \(health.devices) devices installed"
                action = "rollout.completed"
            case .pause(let reason):
                rollout.state = .paused
                rollout.reason = reason
                action = "rollout.paused"
            }
            rollout.updatedAt = now
            // The stage's evidence goes with its decision, so the audit log keeps every stage's health.
            let audit = AuditEntry(
                at: now, actor: "registry", action: action, subject: rollout.id,
                detail: (rollout.reason ?? "") + " [" + health.evidence + "]")
            // Another replica (or an operator) changed it since it was read: its decision stands; this one is
            // made again from the new state at the next evaluation.
            switch await AsyncResult.attempt({ [store, rollout] in try await store.saveRollout(rollout, audit: audit) }) {
            case .success: changed.append(rollout)
            case .failure(let error as StorageError) where error.isConflict: continue
            case .failure(let error): throw error
            }
        }
        if !changed.isEmpty { answers.invalidate() }
        return changed
    }
}
