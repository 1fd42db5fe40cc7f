import FleetCore

extension DashboardPages {
    /// `/ui/rollouts`: every rollout, newest first, with its progress.
    func rolloutList(session: DashboardSession) async throws -> DashboardPage {
        let all = try await store.rollouts().reversed()
        let table = try await rolloutTable(Array(all), empty: "No rollout has been created (fleetctl rollout create).")
        let content: HTML = """
            <h1>Rollouts</h1>
            <section class="panel">\(table)</section>
            """
        return DashboardPage(title: "Rollouts", section: .rollouts, session: session, content: content)
    }

    /// Rollouts as rows: id, model and version, state, stage, a progress bar and the install count of the reached stage.
    func rolloutTable(_ list: [Rollout], empty: String) async throws -> HTML {
        var rows: [[HTML]] = []
        for rollout in list {
            // Finished rollouts need no evidence: their bar says where they ended.
            var health: RolloutStageHealth?
            if rollout.state.isInFlight { health = try await rollouts.status(id: rollout.id).health }
            rows.append([
                "<a class=\"id\" href=\"/ui/rollouts/\(PathEscaping.escape(rollout.id))\">\(rollout.id)</a>",
                "\(rollout.model) \(rollout.version)", DashboardFormat.badge(rollout.state.rawValue),
                "\(rollout.stage + 1) of \(rollout.stages.count)",
                StageProgressChart(stages: rollout.stages, stage: rollout.stage, state: rollout.state.rawValue).svg,
                health.map { "\($0.installed) of \($0.devices)" } ?? "–"
            ])
        }
        return Self.table(["Rollout", "Model", "State", "Stage", "Progress", "Installed at stage"], rows: rows, empty: empty)
    }

    /// `/ui/rollouts/{id}`: stages, each gate's value against its threshold, why it paused, the actions.
    func rolloutDetail(id: String, session: DashboardSession, notice: String?) async throws -> DashboardPage {
        let status = try await rollouts.status(id: id)
        let rollout = status.rollout
        let health = status.health
        let history = try await store.audit(since: rollout.createdAt).filter { $0.subject == rollout.id }.reversed()
        let reason: HTML = rollout.reason.map { "<p class=\"notice\"><strong>Why:</strong> \($0)</p>" } ?? ""
        let content: HTML = """
            <h1>Rollout <span class="id">\(rollout.id)</span></h1>
            \(notice.map { "<p class=\"notice\" role=\"status\">\($0)</p>" as HTML } ?? "")
            <p>\(DashboardFormat.badge(rollout.state.rawValue)) <a href="/ui/models/\(PathEscaping.escape(rollout.model))">\(rollout.model)</a> \
            \(rollout.previousVersion.map { "\($0) → " } ?? "")\(rollout.version) to \(rollout.selector.isEmpty ? "all devices" : rollout.selector), \
            created by \(rollout.createdBy) at \(DashboardFormat.time(rollout.createdAt))</p>
            \(reason)
            <section class="panel" aria-labelledby="stages"><h2 id="stages">Stages</h2>
            \(StageProgressChart(stages: rollout.stages, stage: rollout.stage, state: rollout.state.rawValue).svg)
            <p>Stage \(rollout.stage + 1) of \(rollout.stages.count) (\(rollout.stages.map { "\($0)%" }.joined(separator: " → "))): \
            \(health.installed) of \(health.devices) devices of this stage installed, \(health.pending) pending, \(health.incompatible) incompatible. \
            Soak \(rollout.soakSeconds) s\(rollout.state == .active ? HTML(trusted: ", ends " + DashboardFormat.time(rollout.soakEndsAt).description) : "").</p>
            </section>
            <section class="panel" aria-labelledby="gates"><h2 id="gates">Gates</h2>\(gates(rollout: rollout, health: health))</section>
            <section class="panel" aria-labelledby="actions"><h2 id="actions">Actions</h2>\(actions(rollout: rollout, session: session))</section>
            <section class="panel" aria-labelledby="history"><h2 id="history">History</h2>
            \(Self.table(["At", "Actor", "Action", "Detail"], rows: history.map { ["\(DashboardFormat.time($0.at))", "\($0.actor)", "\($0.action)", "\($0.detail)"] }, empty: "No audit lines."))
            </section>
            """
        return DashboardPage(title: "Rollout \(rollout.id)", section: .rollouts, session: session, content: content)
    }

    /// Each gate: the value the registry measured at the reached stage, its threshold, and whether it holds.
    private func gates(rollout: Rollout, health: RolloutStageHealth) -> HTML {
        let devices = Double(max(health.devices, 1))
        func row(_ name: String, value: Double?, limit: Double?, spell: (Double?) -> String, evidence: String) -> [HTML] {
            let verdict: String = if let value, let limit { value > limit ? "over" : "passed" } else { "n/a" }
            return ["\(name)", "\(spell(value))", "\(limit.map { spell($0) } ?? "no gate")", DashboardFormat.badge(verdict), "\(evidence)"]
        }
        let regression = health.p95Milliseconds.flatMap { new in health.previousP95Milliseconds.map { new / $0 - 1 } }
        let errorIncrease = health.errorRate.map { $0 - (health.previousErrorRate ?? 0) }
        let rows = [
            row(
                "Install failures", value: Double(health.installFailures) / devices, limit: rollout.gates.maxInstallFailureRatio,
                spell: DashboardFormat.percent, evidence: "\(health.installFailures) of \(health.devices) devices"),
            row(
                "Self-test failures", value: Double(health.selfTestFailures) / devices, limit: rollout.gates.maxSelfTestFailureRatio,
                spell: DashboardFormat.percent, evidence: "\(health.selfTestFailures) of \(health.devices) devices"),
            row(
                "p95 latency regression", value: regression, limit: rollout.gates.maxP95Regression, spell: DashboardFormat.percent,
                evidence:
                    "p95 \(DashboardFormat.milliseconds(health.p95Milliseconds)) vs \(DashboardFormat.milliseconds(health.previousP95Milliseconds)) on \(rollout.previousVersion.map(\.description) ?? "the previous version")"
            ),
            row(
                "Error rate increase", value: errorIncrease, limit: rollout.gates.maxErrorRateIncrease, spell: DashboardFormat.percent,
                evidence: "\(DashboardFormat.percent(health.errorRate)) vs \(DashboardFormat.percent(health.previousErrorRate))")
        ]
        return Self.table(["Gate", "Value", "Threshold", "Verdict", "Evidence"], rows: rows, empty: "")
    }

    /// The buttons the rollout's state allows; rollback as the `fleetctl` command, since it needs the publisher's key.
    private func actions(rollout: Rollout, session: DashboardSession) -> HTML {
        let base = "/ui/rollouts/\(PathEscaping.escape(rollout.id))"
        var buttons: [HTML] = []
        if rollout.state == .active {
            buttons.append(DashboardForm.post(base + "/pause", session: session, button: "Pause", confirm: "Pause rollout \(rollout.id)?"))
        }
        if rollout.state == .paused {
            buttons.append(
                DashboardForm.post(base + "/resume", session: session, button: "Resume", confirm: "Resume rollout \(rollout.id)? Its gates are checked again."))
        }
        if rollout.state.isInFlight {
            buttons.append(
                DashboardForm.post(
                    base + "/abort", session: session, button: "Abort", style: "danger",
                    confirm: "Abort rollout \(rollout.id)? Devices it reached keep \(rollout.version); it cannot be resumed."))
        }
        let rollback: HTML =
            rollout.previousVersion != nil && rollout.state != .rolledBack
            ? """
            <p>Rolling back sends every device this rollout reached back to \(rollout.previousVersion.map(\.description) ?? ""). Agents accept a \
            downgrade only when a publisher signs it, and the registry holds no private key, so run, where the publisher key is:</p>
            <pre><code>fleetctl rollout rollback \(rollout.id) --key publisher.key</code></pre>
            """
            : ""
        let none: HTML = buttons.isEmpty ? "<p class=\"muted\">A \(rollout.state.rawValue) rollout takes no further action here.</p>" : ""
        return "<div class=\"actions\">\(buttons)</div>\(none)\(rollback)"
    }
}
