/// Removing what was created: decommissioned devices, removed versions and models, chunk garbage collection.

/// `DELETE /v1/devices/{id}` answer.
public struct DecommissionedDevice: Codable, Equatable, Sendable {
    public var deviceID: String
    public var decommissionedAt: Timestamp

    public init(deviceID: String, decommissionedAt: Timestamp) {
        self.deviceID = deviceID
        self.decommissionedAt = decommissionedAt
    }
}

/// `DELETE /v1/models/{name}` and `DELETE /v1/models/{name}/versions/{version}` answer: what was removed.
public struct RemovedVersions: Codable, Equatable, Sendable {
    public var model: String
    public var removed: [VersionSummary]

    public init(model: String, removed: [VersionSummary]) {
        self.model = model
        self.removed = removed
    }
}

/// `POST /v1/gc` body.
public struct GarbageCollectionRequest: Codable, Equatable, Sendable {
    /// Report what would go; delete nothing.
    public var dryRun: Bool
    /// Only chunks recorded at least this long ago go (nil: the registry's default, an hour), so a push in
    /// progress keeps the chunks it uploaded before its commit.
    public var graceSeconds: Int?
    /// Per model, keep the newest N versions and remove older ones no assignment or rollout needs (nil: keep all).
    public var keepVersions: Int?

    public init(dryRun: Bool = false, graceSeconds: Int? = nil, keepVersions: Int? = nil) {
        self.dryRun = dryRun
        self.graceSeconds = graceSeconds
        self.keepVersions = keepVersions
    }
}

/// `POST /v1/gc` answer.
public struct GarbageCollectionReport: Codable, Equatable, Sendable {
    public var dryRun: Bool
    public var graceSeconds: Int
    /// Versions retention removed (or would remove), as `model version (variant)`.
    public var removedVersions: [String]
    /// Versions past `keepVersions` kept because something needs them, with why.
    public var keptVersions: [String]
    /// Chunks deleted (or that would be).
    public var chunks: Int
    /// Their stored bytes.
    public var storedBytes: Int
    /// Stored bytes no chunk record names (a crash between writing and recording, or the stored form that
    /// lost when two publishers uploaded one chunk in different forms at once), deleted (or that would be).
    public var strayBlobs: Int

    public init(
        dryRun: Bool, graceSeconds: Int, removedVersions: [String] = [], keptVersions: [String] = [], chunks: Int = 0, storedBytes: Int = 0,
        strayBlobs: Int = 0
    ) {
        self.dryRun = dryRun
        self.graceSeconds = graceSeconds
        self.removedVersions = removedVersions
        self.keptVersions = keptVersions
        self.chunks = chunks
        self.storedBytes = storedBytes
        self.strayBlobs = strayBlobs
    }
}
