/// One version of one variant of a model: what a device must hold, byte for byte, and who vouches for it.
///
/// The manifest is the unit of trust. It is signed by the publisher over its canonical JSON form
/// (see `ManifestCoding`) and names every file by size and SHA-256, and every chunk of every file by
/// offset, length, stored length, codec and SHA-256. An agent that holds a verified manifest can fetch
/// chunks from any untrusted server or cache and know whether each byte is right.
public struct Manifest: Codable, Equatable, Sendable {
    /// Bumped on any incompatible change of this structure; agents reject formats they do not know.
    public static let currentFormat = 1

    public var format: Int
    public var model: String
    public var version: SemanticVersion
    /// The build of this version for a class of device, e.g. `fp32`, `int8`, `int8-aarch64`.
    public var variant: String
    public var files: [File]
    public var selfTest: SelfTest?
    /// What a device needs to run this variant; the registry sends it only to devices whose profile
    /// meets it. Optional: absent means any device (older manifests have none).
    public var requirements: Requirements?
    /// Set when this variant was quantized from another at push (`fleetctl push --quantize int8`). Optional: absent
    /// for every variant pushed as it is.
    public var quantization: Quantization?
    /// When the publisher made this manifest (RFC 3339, UTC).
    public var createdAt: Timestamp
    /// The key id of the publisher key that signs this manifest (`PublisherPublicKey.keyID`).
    public var publisher: String
    /// Lowercase hex Ed25519 signature over the canonical JSON of every other member; nil before signing.
    public var signature: String?

    public init(
        model: String, version: SemanticVersion, variant: String, files: [File],
        selfTest: SelfTest? = nil, requirements: Requirements? = nil, quantization: Quantization? = nil, createdAt: Timestamp, publisher: String,
        signature: String? = nil
    ) {
        self.format = Self.currentFormat
        self.model = model
        self.version = version
        self.variant = variant
        self.files = files
        self.selfTest = selfTest
        self.requirements = requirements
        self.quantization = quantization
        self.createdAt = createdAt
        self.publisher = publisher
        self.signature = signature
    }

    /// A file of the version, as an ordered list of chunks that tile it exactly.
    public struct File: Codable, Equatable, Sendable {
        /// Relative path inside the model's directory on the device, `/`-separated.
        public var path: String
        public var size: UInt64
        public var digest: Digest
        public var chunking: Chunking
        public var chunks: [Chunk]

        public init(path: String, size: UInt64, digest: Digest, chunking: Chunking, chunks: [Chunk]) {
            self.path = path
            self.size = size
            self.digest = digest
            self.chunking = chunking
            self.chunks = chunks
        }

        /// The parameters the publisher chunked with, so a later publisher can reproduce the cuts.
        public struct Chunking: Codable, Equatable, Sendable {
            public var mode: Chunker.Mode
            public var minSize: Int
            public var targetSize: Int
            public var maxSize: Int

            public init(mode: Chunker.Mode, parameters: ChunkingParameters) {
                self.mode = mode
                minSize = parameters.minSize
                targetSize = parameters.targetSize
                maxSize = parameters.maxSize
            }
        }
    }

    public struct Chunk: Codable, Equatable, Sendable {
        public var offset: UInt64
        public var length: Int
        /// Bytes on the wire and in the chunk store, after the codec.
        public var storedLength: Int
        public var codec: ChunkCodec
        /// SHA-256 of the chunk's original (decoded) bytes: its name.
        public var digest: Digest

        public init(offset: UInt64, length: Int, storedLength: Int, codec: ChunkCodec, digest: Digest) {
            self.offset = offset
            self.length = length
            self.storedLength = storedLength
            self.codec = codec
            self.digest = digest
        }
    }

    /// Vectors the agent runs through the engine before a version goes live.
    /// Inputs and expected outputs are `TensorProto` files listed in `files`, so they are chunked,
    /// signed and verified like the model itself.
    public struct SelfTest: Codable, Equatable, Sendable {
        public var model: String
        public var inputs: [String]
        public var outputs: [String]
        public var relativeTolerance: Double
        public var absoluteTolerance: Double

        public init(model: String, inputs: [String], outputs: [String], relativeTolerance: Double = 1e-3, absoluteTolerance: Double = 1e-4) {
            self.model = model
            self.inputs = inputs
            self.outputs = outputs
            self.relativeTolerance = relativeTolerance
            self.absoluteTolerance = absoluteTolerance
        }
    }

    /// Bytes a device must hold for this version.
    public var totalSize: UInt64 { files.reduce(0) { $0 + $1.size } }

    /// Bytes on the wire if a device holds none of the chunks (each distinct chunk counted once).
    public var totalStoredSize: UInt64 {
        var seen = Set<Digest>()
        var total: UInt64 = 0
        for chunk in files.lazy.flatMap(\.chunks) where seen.insert(chunk.digest).inserted {
            total += UInt64(chunk.storedLength)
        }
        return total
    }
}
