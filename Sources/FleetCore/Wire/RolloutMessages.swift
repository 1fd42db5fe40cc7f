/// Rollouts on the wire (`/v1/rollouts`), shared by the registry and fleetctl.

/// Where a rollout stands. Only `active` rollouts advance; `paused` ones hold their reached stage.
public enum RolloutState: String, Codable, Sendable, CaseIterable {
    case active, paused, completed, aborted, rolledBack

    /// Active and paused rollouts own their model: a second one is refused unless it supersedes them.
    public var isInFlight: Bool { self == .active || self == .paused }
}

/// What an operator can do to a rollout: `POST /v1/rollouts/{id}/{action}` (the raw value is the path's last segment).
public enum RolloutAction: String, Codable, Sendable, CaseIterable {
    /// Stop advancing (active rollouts only).
    case pause
    /// Advance again (paused rollouts only); the gates are checked again.
    case resume
    /// End where it stands; devices reached keep the version.
    case abort
    /// Send the devices reached back to the previous version; needs a publisher-signed `RollbackDirective`.
    case rollback
}

/// Limits that pause a rollout when the devices of its reached stage exceed them.
public struct RolloutGates: Codable, Equatable, Sendable {
    /// Installs that failed for any reason but the self-test, over the stage's devices (0.02 = 2%).
    public var maxInstallFailureRatio: Double
    /// Installs whose self-test failed, over the stage's devices.
    public var maxSelfTestFailureRatio: Double
    /// Mean p95 latency of the new version over that of the previous version on the same devices,
    /// minus one (0.2 = 20% slower). Nil: no latency gate.
    public var maxP95Regression: Double?
    /// Inference error rate (errors over requests, summed over the stage's devices) of the new version
    /// minus that of the previous version on the same devices (0.01 = one percentage point more).
    /// With no requests on the previous version the baseline is 0. Nil: no error-rate gate.
    public var maxErrorRateIncrease: Double?

    public init(
        maxInstallFailureRatio: Double = 0.02, maxSelfTestFailureRatio: Double = 0.02, maxP95Regression: Double? = nil,
        maxErrorRateIncrease: Double? = nil
    ) {
        self.maxInstallFailureRatio = maxInstallFailureRatio
        self.maxSelfTestFailureRatio = maxSelfTestFailureRatio
        self.maxP95Regression = maxP95Regression
        self.maxErrorRateIncrease = maxErrorRateIncrease
    }
}

/// `POST /v1/rollouts` body.
public struct RolloutRequest: Codable, Equatable, Sendable {
    public var model: String
    public var version: SemanticVersion
    /// Label selector text (`k=v,k2=v2`); empty targets every device.
    public var selector: String
    /// Cumulative percentages of the target, increasing, ending at most at 100 (e.g. 5, 25, 100).
    public var stages: [Int]
    public var soakSeconds: Int
    public var gates: RolloutGates
    /// Replace an active or paused rollout of the same model instead of being refused (409).
    public var supersede: Bool?
    /// What a rollback returns devices to; default: the version the target devices resolve to when the
    /// rollout is created (none: the rollout cannot be rolled back).
    public var previousVersion: SemanticVersion?

    public init(
        model: String, version: SemanticVersion, selector: String, stages: [Int], soakSeconds: Int, gates: RolloutGates,
        supersede: Bool? = nil, previousVersion: SemanticVersion? = nil
    ) {
        self.model = model
        self.version = version
        self.selector = selector
        self.stages = stages
        self.soakSeconds = soakSeconds
        self.gates = gates
        self.supersede = supersede
        self.previousVersion = previousVersion
    }
}

/// A rollout as the registry keeps it.
public struct Rollout: Codable, Equatable, Sendable {
    public var id: String
    public var model: String
    public var version: SemanticVersion
    public var previousVersion: SemanticVersion?
    public var selector: String
    public var stages: [Int]
    public var soakSeconds: Int
    public var gates: RolloutGates
    public var state: RolloutState
    /// Index into `stages` of the stage reached so far.
    public var stage: Int
    public var stageStartedAt: Timestamp
    /// Why the rollout last changed state (a breached gate, an operator's action, a superseding rollout).
    public var reason: String?
    public var createdAt: Timestamp
    public var createdBy: String
    public var updatedAt: Timestamp
    /// Set by a rollback: handed to the stage's devices so they accept going back to `previousVersion`.
    public var rollback: RollbackDirective?
    /// Bumped by every stored change; a change computed from an older revision is refused (409), so two
    /// registry replicas (or an operator and the scheduler) cannot overwrite each other's decisions.
    public var revision: Int

    public init(
        id: String, model: String, version: SemanticVersion, previousVersion: SemanticVersion?, selector: String, stages: [Int],
        soakSeconds: Int, gates: RolloutGates, state: RolloutState = .active, stage: Int = 0, stageStartedAt: Timestamp,
        reason: String? = nil, createdAt: Timestamp, createdBy: String, rollback: RollbackDirective? = nil
    ) {
        self.id = id
        self.model = model
        self.version = version
        self.previousVersion = previousVersion
        self.selector = selector
        self.stages = stages
        self.soakSeconds = soakSeconds
        self.gates = gates
        self.state = state
        self.stage = stage
        self.stageStartedAt = stageStartedAt
        self.reason = reason
        self.createdAt = createdAt
        self.createdBy = createdBy
        updatedAt = createdAt
        self.rollback = rollback
        revision = 0
    }

    /// The longest soak a stage may ask for (30 days). Creation refuses more; the evaluator clamps stored
    /// rows to it, so no soak, however it got into the database, can overflow the clock arithmetic.
    public static let maximumSoakSeconds = 30 * 86_400

    /// When the reached stage's soak ends: the soak clamped to `0...maximumSoakSeconds`, the sum saturated,
    /// so a malformed stored row holds the rollout instead of trapping the scheduler on every tick.
    public var soakEndsAt: Timestamp {
        let soak = Int64(min(max(soakSeconds, 0), Self.maximumSoakSeconds))
        let (end, overflow) = stageStartedAt.secondsSinceEpoch.addingReportingOverflow(soak)
        return Timestamp(secondsSinceEpoch: overflow ? .max : end)
    }

    /// The percentage of the target reached so far (0 for a malformed record, so it reaches nobody).
    public var percent: Int { stages.indices.contains(stage) ? stages[stage] : 0 }
}

/// The evidence behind a rollout's reached stage, as its gates see it.
public struct RolloutStageHealth: Codable, Equatable, Sendable {
    public var stage: Int
    public var percent: Int
    /// Target devices in the cohort of the reached stage.
    public var devices: Int
    public var installed: Int
    public var installFailures: Int
    public var selfTestFailures: Int
    /// Cohort devices that have not reported an install of the version yet.
    public var pending: Int
    /// Devices in the cohort whose profile fits no variant of the version: sent nothing, left out of the
    /// counts above and of the gates.
    public var incompatible: Int
    public var p95Milliseconds: Double?
    public var previousP95Milliseconds: Double?
    /// Errors over requests on the new version, and on the previous version, over the stage's devices;
    /// nil when no request was served.
    public var errorRate: Double?
    public var previousErrorRate: Double?

    public init(
        stage: Int, percent: Int, devices: Int, installed: Int, installFailures: Int, selfTestFailures: Int, pending: Int,
        incompatible: Int = 0, p95Milliseconds: Double?, previousP95Milliseconds: Double?,
        errorRate: Double? = nil, previousErrorRate: Double? = nil
    ) {
        self.errorRate = errorRate
        self.previousErrorRate = previousErrorRate
        self.stage = stage
        self.percent = percent
        self.devices = devices
        self.installed = installed
        self.installFailures = installFailures
        self.selfTestFailures = selfTestFailures
        self.pending = pending
        self.incompatible = incompatible
        self.p95Milliseconds = p95Milliseconds
        self.previousP95Milliseconds = previousP95Milliseconds
    }
}

/// `GET /v1/rollouts/{id}` answer, and the answer to every rollout action.
public struct RolloutStatus: Codable, Equatable, Sendable {
    public var rollout: Rollout
    public var health: RolloutStageHealth

    public init(rollout: Rollout, health: RolloutStageHealth) {
        self.rollout = rollout
        self.health = health
    }
}

/// `POST /v1/rollouts/{id}/rollback` body: the publisher's signed permission to go back.
/// Optional in the body so that `{}` is answered with what is missing, not a decoding error.
public struct RollbackRequest: Codable, Equatable, Sendable {
    public var directive: RollbackDirective?

    public init(directive: RollbackDirective?) {
        self.directive = directive
    }
}

/// `GET /v1/rollouts` answer: every rollout, oldest first.
public struct RolloutList: Codable, Equatable, Sendable {
    public var rollouts: [Rollout]

    public init(rollouts: [Rollout]) {
        self.rollouts = rollouts
    }
}
