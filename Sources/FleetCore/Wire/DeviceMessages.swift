/// The JSON bodies devices and the registry exchange (wire API v1). Shared here because the registry
/// and the agent must agree on them and neither may import the other.

/// What a device says about itself at enrollment; the registry picks variants from it.
public struct DeviceProfile: Codable, Equatable, Sendable {
    public var arch: String
    public var ramBytes: UInt64
    public var diskBytes: UInt64
    public var engineVersion: String
    public var supportedOps: [String]
    public var labels: [String: String]

    public init(arch: String, ramBytes: UInt64, diskBytes: UInt64, engineVersion: String, supportedOps: [String] = [], labels: [String: String] = [:]) {
        self.arch = arch
        self.ramBytes = ramBytes
        self.diskBytes = diskBytes
        self.engineVersion = engineVersion
        self.supportedOps = supportedOps
        self.labels = labels
    }

    /// `supportedOps` and `labels` may be left out (empty).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            arch: try container.decode(String.self, forKey: .arch),
            ramBytes: try container.decode(UInt64.self, forKey: .ramBytes),
            diskBytes: try container.decode(UInt64.self, forKey: .diskBytes),
            engineVersion: try container.decode(String.self, forKey: .engineVersion),
            supportedOps: try container.decodeIfPresent([String].self, forKey: .supportedOps) ?? [],
            labels: try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        )
    }
}

/// `POST /v1/devices/enroll` answer: the device's identity and its own bearer token (shown once).
public struct EnrollmentResponse: Codable, Equatable, Sendable {
    public var deviceID: String
    public var token: String

    public init(deviceID: String, token: String) {
        self.deviceID = deviceID
        self.token = token
    }
}

/// One model as a device reports it at check-in.
public struct InstalledModel: Codable, Equatable, Sendable {
    public var model: String
    public var version: SemanticVersion
    public var variant: String

    public init(model: String, version: SemanticVersion, variant: String) {
        self.model = model
        self.version = version
        self.variant = variant
    }
}

/// Recent inference statistics for one installed model.
public struct InferenceStats: Codable, Equatable, Sendable {
    public var model: String
    public var version: SemanticVersion
    public var count: UInt64
    public var errors: UInt64
    public var latencyP50Milliseconds: Double?
    public var latencyP95Milliseconds: Double?

    public init(
        model: String, version: SemanticVersion, count: UInt64, errors: UInt64, latencyP50Milliseconds: Double? = nil, latencyP95Milliseconds: Double? = nil
    ) {
        self.model = model
        self.version = version
        self.count = count
        self.errors = errors
        self.latencyP50Milliseconds = latencyP50Milliseconds
        self.latencyP95Milliseconds = latencyP95Milliseconds
    }
}

/// How the device's latest attempt to install one model version ended: the evidence rollout gates use.
public struct InstallReport: Codable, Equatable, Sendable {
    public enum Result: String, Codable, Sendable {
        case ok, failed
    }

    public enum SelfTest: String, Codable, Sendable {
        case passed, failed, skipped
    }

    public var model: String
    public var version: SemanticVersion
    public var result: Result
    /// Nil when the install failed before the self-test could run (download, verification, disk).
    public var selfTest: SelfTest?
    public var message: String?

    public init(model: String, version: SemanticVersion, result: Result, selfTest: SelfTest? = nil, message: String? = nil) {
        self.model = model
        self.version = version
        self.result = result
        self.selfTest = selfTest
        self.message = message
    }
}

/// `POST /v1/devices/{id}/checkin` body.
public struct CheckinRequest: Codable, Equatable, Sendable {
    public var installed: [InstalledModel]
    /// The agent's sync state, e.g. `idle`, `downloading`, `failing`.
    public var state: String
    public var stats: [InferenceStats]
    /// The latest install attempt per model (added with rollouts; older agents leave it out).
    public var installs: [InstallReport]
    /// The device's profile and labels, sent only when they changed since the registry last accepted them;
    /// the registry then replaces the enrolled ones (absent: unchanged).
    public var profile: DeviceProfile?

    public init(installed: [InstalledModel], state: String, stats: [InferenceStats] = [], installs: [InstallReport] = [], profile: DeviceProfile? = nil) {
        self.installed = installed
        self.state = state
        self.stats = stats
        self.installs = installs
        self.profile = profile
    }

    /// `stats`, `installs` and `profile` may be left out (a device that has served or installed nothing yet, or an older agent).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            installed: try container.decode([InstalledModel].self, forKey: .installed),
            state: try container.decode(String.self, forKey: .state),
            stats: try container.decodeIfPresent([InferenceStats].self, forKey: .stats) ?? [],
            installs: try container.decodeIfPresent([InstallReport].self, forKey: .installs) ?? [],
            profile: try container.decodeIfPresent(DeviceProfile.self, forKey: .profile)
        )
    }
}

/// What a device should run: one entry per model.
public struct DesiredModel: Codable, Equatable, Sendable {
    public var model: String
    public var version: SemanticVersion
    public var variant: String
    public var manifestDigest: Digest
    /// Path (relative to the registry's base URL) of the signed manifest.
    public var manifestPath: String
    /// Present only when `version` is lower than what the device may run: the publisher's signed
    /// permission to go back. Agents refuse any downgrade without one.
    public var rollback: RollbackDirective?

    public init(model: String, version: SemanticVersion, variant: String, manifestDigest: Digest, manifestPath: String, rollback: RollbackDirective? = nil) {
        self.model = model
        self.version = version
        self.variant = variant
        self.manifestDigest = manifestDigest
        self.manifestPath = manifestPath
        self.rollback = rollback
    }
}

/// `POST /v1/devices/{id}/checkin` answer.
public struct CheckinResponse: Codable, Equatable, Sendable {
    public var desired: [DesiredModel]
    public var checkinIntervalSeconds: Int
    /// The version of the registry's newest trust document, if it has one: a device holding an
    /// older one fetches the newer ones (`GET /v1/trust?after=N`) before it trusts any manifest.
    public var trustVersion: Int?

    public init(desired: [DesiredModel], checkinIntervalSeconds: Int, trustVersion: Int? = nil) {
        self.desired = desired
        self.checkinIntervalSeconds = checkinIntervalSeconds
        self.trustVersion = trustVersion
    }
}

/// One thing that happened on a device: an install result, an error, a deferral.
public struct DeviceEvent: Codable, Equatable, Sendable {
    public var kind: String
    public var model: String?
    public var version: SemanticVersion?
    public var result: String?
    public var message: String?
    public var at: Timestamp

    public init(kind: String, model: String? = nil, version: SemanticVersion? = nil, result: String? = nil, message: String? = nil, at: Timestamp) {
        self.kind = kind
        self.model = model
        self.version = version
        self.result = result
        self.message = message
        self.at = at
    }
}

/// `POST /v1/devices/{id}/events` body.
public struct EventBatch: Codable, Equatable, Sendable {
    public var events: [DeviceEvent]

    public init(events: [DeviceEvent]) {
        self.events = events
    }
}

/// `POST /v1/devices/{id}/events` answer: how many events were stored.
public struct EventsAccepted: Codable, Equatable, Sendable {
    public var accepted: Int

    public init(accepted: Int) {
        self.accepted = accepted
    }
}

/// A device event as the registry stored it: which device sent it, and when it arrived.
public struct RecordedEvent: Codable, Equatable, Sendable {
    public var deviceID: String
    public var receivedAt: Timestamp
    public var event: DeviceEvent

    public init(deviceID: String, receivedAt: Timestamp, event: DeviceEvent) {
        self.deviceID = deviceID
        self.receivedAt = receivedAt
        self.event = event
    }
}

/// `GET /v1/devices/{id}/events` answer: oldest first.
public struct EventList: Codable, Equatable, Sendable {
    public var events: [RecordedEvent]

    public init(events: [RecordedEvent]) {
        self.events = events
    }
}
