import FleetCore

/// The gates of a rollout, as a pure function of what the devices reported: testable without a registry.
enum RolloutEvaluator {
    enum Decision: Equatable, Sendable {
        /// Nothing to do yet (devices still installing, soak time left).
        case hold(String)
        case advance
        case complete
        case pause(String)
    }

    /// The reached stage's cohort and what its devices reported about the rollout's version since the rollout
    /// was created (and about the previous version, at any time: the latency baseline).
    /// Devices that fit none of the version's `variants` (under their assignment's pinned variant, from
    /// `assignments`) are counted apart: they are sent nothing, so they would never report.
    static func stageHealth(
        _ rollout: Rollout, devices: [DeviceRecord], health: [DeviceVersionHealth], variants: [VersionRecord] = [],
        assignments: [AssignmentRecord] = []
    ) -> RolloutStageHealth {
        let selector = rollout.labelSelector
        let reached = devices.filter { rollout.reaches(deviceID: $0.id, labels: $0.labels, selector: selector) }
        let cohort =
            variants.isEmpty
            ? reached
            : reached.filter {
                let pinned = VersionResolution.chosenAssignments(assignments, labels: $0.labels)[rollout.model]?.variant
                if case .variant = VersionResolution.variant(of: rollout.version, in: variants, pinned: pinned, profile: $0.profile) { return true }
                return false
            }
        let ids = Set(cohort.map(\.id))
        var new: [String: DeviceVersionHealth] = [:]
        var old: [String: DeviceVersionHealth] = [:]
        for row in health where row.model == rollout.model && ids.contains(row.deviceID) {
            // Reports of the version from before this rollout (an earlier, rolled-back attempt) are not
            // evidence about this one: counted, they would advance a re-rollout at once or pause it on old failures.
            if row.version == rollout.version, row.updatedAt >= rollout.createdAt {
                new[row.deviceID] = row
            } else if row.version == rollout.previousVersion {
                old[row.deviceID] = row
            }
        }
        let reports = Array(new.values)
        return RolloutStageHealth(
            stage: rollout.stage, percent: rollout.percent, devices: cohort.count,
            installed: reports.filter { $0.install == .ok }.count,
            installFailures: reports.filter(\.failedBeforeSelfTest).count,
            selfTestFailures: reports.filter(\.failedSelfTest).count,
            pending: cohort.count - reports.filter { $0.install != nil }.count, incompatible: reached.count - cohort.count,
            p95Milliseconds: meanP95(reports), previousP95Milliseconds: meanP95(Array(old.values)),
            errorRate: errorRate(reports), previousErrorRate: errorRate(Array(old.values))
        )
    }

    /// Errors over requests, summed over the devices; nil when none served a request.
    static func errorRate(_ rows: [DeviceVersionHealth]) -> Double? {
        let requests = rows.reduce(0.0) { $0 + Double($1.inferences) }
        return requests > 0 ? rows.reduce(0.0) { $0 + Double($1.errors) } / requests : nil
    }

    /// Mean of the devices' p95 latencies, over devices that served something.
    static func meanP95(_ rows: [DeviceVersionHealth]) -> Double? { meanLatency(rows, \.latencyP95Milliseconds) }

    /// Mean of the devices' latency percentile among those that served requests.
    static func meanLatency(_ rows: [DeviceVersionHealth], _ percentile: KeyPath<DeviceVersionHealth, Double?>) -> Double? {
        let values = rows.filter { $0.inferences > 0 }.compactMap { $0[keyPath: percentile] }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Failure gates count failures over the whole cohort, so they can trip before every device has
    /// reported: once failures alone exceed the limit, no later success can bring the ratio back under it.
    /// The stage advances only when every cohort device has reported, its soak time has passed, and the
    /// latency gate (checked then, with the soak's traffic) holds.
    static func decide(_ rollout: Rollout, _ health: RolloutStageHealth, now: Timestamp) -> Decision {
        // A stored row from before validation (or edited by hand) must hold, not trap every scheduler tick.
        guard rollout.stages.indices.contains(rollout.stage) else {
            return .hold("malformed rollout: stage index \(rollout.stage) of \(rollout.stages.count) stages")
        }
        let stageName = "stage \(rollout.stage + 1) (\(rollout.percent)%)"
        if health.devices > 0 {
            for (failures, limit, what) in [
                (health.installFailures, rollout.gates.maxInstallFailureRatio, "install failures"),
                (health.selfTestFailures, rollout.gates.maxSelfTestFailureRatio, "self-test failures")
            ] {
                let ratio = Double(failures) / Double(health.devices)
                if ratio > limit {
                    return .pause(
                        "\(what): \(failures) of \(health.devices) devices (\(PercentText.of(ratio))) at \(stageName) exceed the \(PercentText.of(limit)) gate")
                }
            }
        }
        if health.pending > 0 { return .hold("waiting for \(health.pending) of \(health.devices) devices to report") }
        let soakEnds = rollout.soakEndsAt
        if now < soakEnds { return .hold("soaking until \(soakEnds)") }
        if let limit = rollout.gates.maxP95Regression, let new = health.p95Milliseconds, let old = health.previousP95Milliseconds, old > 0 {
            let regression = new / old - 1
            if regression > limit {
                return .pause(
                    "p95 latency \(millisecondsText(new)) ms vs \(millisecondsText(old)) ms on \(rollout.previousVersion.map(\.description) ?? "the previous version") (+\(PercentText.of(regression))) at \(stageName) exceeds the +\(PercentText.of(limit)) gate"
                )
            }
        }
        if let limit = rollout.gates.maxErrorRateIncrease, let new = health.errorRate {
            let old = health.previousErrorRate ?? 0
            if new - old > limit {
                return .pause(
                    "error rate \(PercentText.of(new)) vs \(PercentText.of(old)) on \(rollout.previousVersion.map(\.description) ?? "the previous version") at \(stageName) exceeds the +\(PercentText.of(limit)) gate"
                )
            }
        }
        return rollout.stage + 1 < rollout.stages.count ? .advance : .complete
    }

    static func millisecondsText(_ value: Double) -> String {
        "\((value * 100).rounded() / 100)"
    }
}

extension RolloutStageHealth {
    /// One line of what the stage's devices reported, for the audit entry of each gate decision.
    var evidence: String {
        func rate(_ value: Double?) -> String { value.map(PercentText.of) ?? "-" }
        func milliseconds(_ value: Double?) -> String { value.map { RolloutEvaluator.millisecondsText($0) + " ms" } ?? "-" }
        return "stage \(stage + 1) (\(percent)%): \(devices) devices, \(installed) installed, \(installFailures) install failures, "
            + "\(selfTestFailures) self-test failures, \(pending) pending; p95 \(milliseconds(p95Milliseconds)) "
            + "(previous \(milliseconds(previousP95Milliseconds))); errors \(rate(errorRate)) (previous \(rate(previousErrorRate)))"
    }
}
