/// Fleet queries on the wire (`/v1/devices`, `/v1/fleet/status`, `/v1/audit`), shared by the registry and fleetctl.

/// What the registry makes of a device's reports.
public enum DeviceState: String, Codable, Sendable, CaseIterable {
    /// Enrolled, never checked in.
    case enrolled
    /// Runs what it should.
    case ok
    /// Should run something it does not run yet.
    case updating
    /// Its latest install of some model failed.
    case failing
    /// Should run a model version none of whose variants its profile meets; it is sent nothing for it.
    case incompatible
}

/// A model version a device should run but cannot: why each variant does not fit.
public struct IncompatibleModel: Codable, Equatable, Sendable {
    public var model: String
    public var version: SemanticVersion
    /// One line per variant, e.g. `int8: the engine lacks QLinearConv`.
    public var reasons: [String]

    public init(model: String, version: SemanticVersion, reasons: [String]) {
        self.model = model
        self.version = version
        self.reasons = reasons
    }
}

/// Health of one model version on one device: its latest install and what it served.
public struct DeviceVersionHealth: Codable, Equatable, Sendable {
    public var deviceID: String
    public var model: String
    public var version: SemanticVersion
    public var install: InstallReport.Result?
    public var selfTest: InstallReport.SelfTest?
    public var message: String?
    public var inferences: UInt64
    public var errors: UInt64
    public var latencyP50Milliseconds: Double?
    public var latencyP95Milliseconds: Double?
    public var updatedAt: Timestamp

    public init(
        deviceID: String, model: String, version: SemanticVersion, install: InstallReport.Result? = nil, selfTest: InstallReport.SelfTest? = nil,
        message: String? = nil, inferences: UInt64 = 0, errors: UInt64 = 0, latencyP50Milliseconds: Double? = nil,
        latencyP95Milliseconds: Double? = nil, updatedAt: Timestamp
    ) {
        self.deviceID = deviceID
        self.model = model
        self.version = version
        self.install = install
        self.selfTest = selfTest
        self.message = message
        self.inferences = inferences
        self.errors = errors
        self.latencyP50Milliseconds = latencyP50Milliseconds
        self.latencyP95Milliseconds = latencyP95Milliseconds
        self.updatedAt = updatedAt
    }

    /// True when the install failed at the self-test rather than before it.
    public var failedSelfTest: Bool { install == .failed && selfTest == .failed }
    public var failedBeforeSelfTest: Bool { install == .failed && selfTest != .failed }
}

/// One row of `GET /v1/devices`.
public struct DeviceSummary: Codable, Equatable, Sendable {
    public var id: String
    public var labels: [String: String]
    public var state: DeviceState
    public var enrolledAt: Timestamp
    public var lastSeenAt: Timestamp?
    public var installed: [InstalledModel]

    public init(id: String, labels: [String: String], state: DeviceState, enrolledAt: Timestamp, lastSeenAt: Timestamp?, installed: [InstalledModel]) {
        self.id = id
        self.labels = labels
        self.state = state
        self.enrolledAt = enrolledAt
        self.lastSeenAt = lastSeenAt
        self.installed = installed
    }
}

/// `GET /v1/devices/{id}` answer.
public struct DeviceDetail: Codable, Equatable, Sendable {
    public var device: DeviceSummary
    public var profile: DeviceProfile
    /// What the device receives at its next check-in.
    public var desired: [DesiredModel]
    /// What it should run but fits no variant of (it receives nothing for these).
    public var incompatible: [IncompatibleModel]
    public var health: [DeviceVersionHealth]

    public init(device: DeviceSummary, profile: DeviceProfile, desired: [DesiredModel], incompatible: [IncompatibleModel] = [], health: [DeviceVersionHealth]) {
        self.device = device
        self.profile = profile
        self.desired = desired
        self.incompatible = incompatible
        self.health = health
    }
}

/// Health of one model version across the devices that reported on it.
public struct VersionHealth: Codable, Equatable, Sendable {
    public var model: String
    public var version: SemanticVersion
    /// Devices running it now.
    public var devices: Int
    /// Devices running it now, per variant (`fp32`, `int8`, …).
    public var variants: [String: Int]?
    public var share: Double
    public var installFailures: Int
    public var selfTestFailures: Int
    public var inferences: UInt64
    public var errors: UInt64
    /// Mean of the devices' p95 latencies (devices that served nothing are left out).
    public var p95Milliseconds: Double?

    public init(
        model: String, version: SemanticVersion, devices: Int, share: Double, installFailures: Int, selfTestFailures: Int,
        inferences: UInt64, errors: UInt64, p95Milliseconds: Double?, variants: [String: Int]? = nil
    ) {
        self.model = model
        self.version = version
        self.devices = devices
        self.variants = variants
        self.share = share
        self.installFailures = installFailures
        self.selfTestFailures = selfTestFailures
        self.inferences = inferences
        self.errors = errors
        self.p95Milliseconds = p95Milliseconds
    }
}

/// `GET /v1/fleet/status` answer: versions by share of devices with their health, and rollouts in flight.
public struct FleetStatus: Codable, Equatable, Sendable {
    public var devices: Int
    public var states: [String: Int]
    public var versions: [VersionHealth]
    public var rollouts: [Rollout]

    public init(devices: Int, states: [String: Int], versions: [VersionHealth], rollouts: [Rollout]) {
        self.devices = devices
        self.states = states
        self.versions = versions
        self.rollouts = rollouts
    }
}

/// One line of the audit log: who did what to which subject, when.
public struct AuditEntry: Codable, Equatable, Sendable {
    public var at: Timestamp
    /// A token's label (`admin.token`, `ci-publisher`), `device <id>`, or `registry` for its own decisions.
    public var actor: String
    /// e.g. `rollout.create`, `rollout.paused`, `device.labels`, `token.create`.
    public var action: String
    /// What it acted on: a rollout id, a device id, a model.
    public var subject: String
    public var detail: String

    public init(at: Timestamp, actor: String, action: String, subject: String, detail: String) {
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
    }
}

/// `GET /v1/devices` answer.
public struct DeviceList: Codable, Equatable, Sendable {
    public var devices: [DeviceSummary]

    public init(devices: [DeviceSummary]) {
        self.devices = devices
    }
}

/// `PUT /v1/devices/{id}/labels` body: the device's labels, all of them (the ones left out are removed).
public struct DeviceLabels: Codable, Equatable, Sendable {
    public var labels: [String: String]

    public init(labels: [String: String]) {
        self.labels = labels
    }
}

/// `GET /v1/audit` answer: oldest first.
public struct AuditLog: Codable, Equatable, Sendable {
    public var entries: [AuditEntry]

    public init(entries: [AuditEntry]) {
        self.entries = entries
    }
}
