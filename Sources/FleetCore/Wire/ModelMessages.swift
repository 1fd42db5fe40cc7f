/// Model and version listings on the wire (`GET /v1/models`, `GET /v1/models/{name}/versions`).

/// One row of `GET /v1/models`.
public struct ModelSummary: Codable, Equatable, Sendable {
    public var name: String
    public var latest: SemanticVersion?
    public var versions: Int
    public var variants: [String]

    public init(name: String, latest: SemanticVersion?, versions: Int, variants: [String]) {
        self.name = name
        self.latest = latest
        self.versions = versions
        self.variants = variants
    }
}

/// One row of `GET /v1/models/{name}/versions`.
public struct VersionSummary: Codable, Equatable, Sendable {
    public var version: SemanticVersion
    public var variant: String
    public var manifestDigest: Digest
    public var publisher: String
    public var createdAt: Timestamp
    public var committedAt: Timestamp
    public var totalSize: UInt64
    public var storedSize: UInt64
    /// Bytes of the model file itself (the self-test's model, else the first file), without self-test vectors.
    public var modelSize: UInt64?
    /// How the variant was quantized at push and how far its answers are from its source variant's.
    public var quantization: Manifest.Quantization?

    public init(
        version: SemanticVersion, variant: String, manifestDigest: Digest, publisher: String, createdAt: Timestamp,
        committedAt: Timestamp, totalSize: UInt64, storedSize: UInt64, modelSize: UInt64? = nil, quantization: Manifest.Quantization? = nil
    ) {
        self.version = version
        self.variant = variant
        self.manifestDigest = manifestDigest
        self.publisher = publisher
        self.createdAt = createdAt
        self.committedAt = committedAt
        self.totalSize = totalSize
        self.storedSize = storedSize
        self.modelSize = modelSize
        self.quantization = quantization
    }
}

/// `GET /v1/models` answer.
public struct ModelList: Codable, Equatable, Sendable {
    public var models: [ModelSummary]

    public init(models: [ModelSummary]) {
        self.models = models
    }
}

/// `GET /v1/models/{name}/versions` answer: newest first.
public struct VersionList: Codable, Equatable, Sendable {
    public var versions: [VersionSummary]

    public init(versions: [VersionSummary]) {
        self.versions = versions
    }
}
