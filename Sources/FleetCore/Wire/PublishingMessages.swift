/// Bodies of the publishing endpoints (wire API v1).

/// `POST /v1/chunks/missing` body: the chunks a publisher is about to reference.
public struct MissingChunksRequest: Codable, Equatable, Sendable {
    public var digests: [Digest]

    public init(digests: [Digest]) {
        self.digests = digests
    }
}

/// How a registry stores one chunk. A chunk has one stored form per registry (the first upload wins),
/// so a publisher copies these values into its manifest for chunks the registry already has.
public struct StoredChunkForm: Codable, Equatable, Sendable {
    public var length: Int
    public var storedLength: Int
    public var codec: ChunkCodec

    public init(length: Int, storedLength: Int, codec: ChunkCodec) {
        self.length = length
        self.storedLength = storedLength
        self.codec = codec
    }
}

/// `POST /v1/chunks/missing` answer.
public struct MissingChunksResponse: Codable, Equatable, Sendable {
    /// Digests the registry lacks, in request order: upload these.
    public var missing: [Digest]
    /// How the registry stores the ones it has (keys are digest strings).
    public var present: [String: StoredChunkForm]

    public init(missing: [Digest], present: [String: StoredChunkForm]) {
        self.missing = missing
        self.present = present
    }
}

/// Headers of `PUT /v1/chunks/{digest}` and of chunk downloads, naming the stored form.
public enum ChunkHeaders {
    public static let codec = "ModelFleet-Codec"
    public static let length = "ModelFleet-Length"
}
