public import FleetCore

/// `/v1/chunks` and `/v1/models`: publishing versions and reading them back.
extension RegistryClient {
    /// Digests per `POST /v1/chunks/missing`: registries refuse more than their `limits.max_missing_digests`
    /// (100,000 by default), and a model of a few GB has that many chunks.
    public static let missingChunksBatchSize = 10_000

    /// What the registry lacks of `digests` (in order) and how it stores the rest, asked `batchSize` digests
    /// at a time and merged.
    public func missingChunks(_ digests: [Digest], batchSize: Int = missingChunksBatchSize) async throws -> MissingChunksResponse {
        let size = max(1, batchSize)
        var merged = MissingChunksResponse(missing: [], present: [:])
        for start in stride(from: 0, to: digests.count, by: size) {
            let batch = MissingChunksRequest(digests: Array(digests[start..<min(start + size, digests.count)]))
            let answer = try await call("POST", "/v1/chunks/missing", body: json(batch), answer: MissingChunksResponse.self).value
            merged.missing += answer.missing
            merged.present.merge(answer.present) { _, new in new }
        }
        return merged
    }

    @discardableResult
    public func putChunk(_ digest: Digest, codec: ChunkCodec, length: Int, stored: [UInt8]) async throws -> StoredChunkForm {
        let headers = [
            (name: ChunkHeaders.codec, value: codec.description), (name: ChunkHeaders.length, value: String(length)),
            (name: "Content-Type", value: "application/octet-stream")
        ]
        return try decode(StoredChunkForm.self, try await send("PUT", "/v1/chunks/\(digest)", headers: headers, body: stored, expected: [201]))
    }

    /// A chunk's stored bytes, with the `ModelFleet-Codec` and `ModelFleet-Length` headers naming their form.
    public func chunk(_ digest: Digest) async throws -> HTTPResponse {
        try await send("GET", "/v1/chunks/\(digest)")
    }

    /// How the registry stores a chunk, from a `HEAD` (no bytes sent); nil when it does not hold it.
    public func chunkForm(_ digest: Digest) async throws -> StoredChunkForm? {
        let response = try await send("HEAD", "/v1/chunks/\(digest)", expected: [200, 404])
        guard response.status == 200 else { return nil }
        guard let codecName = response[header: ChunkHeaders.codec], let length = response[header: ChunkHeaders.length].flatMap({ Int($0) }),
            let storedLength = response[header: "content-length"].flatMap({ Int($0) })
        else {
            throw UnexpectedAnswer(status: response.status, reason: "a chunk's HEAD lacks \(ChunkHeaders.codec), \(ChunkHeaders.length) or Content-Length")
        }
        return StoredChunkForm(length: length, storedLength: storedLength, codec: try ChunkCodec(parsing: codecName))
    }

    /// Downloads a chunk's stored bytes into `path`, resuming from what is already there, following a
    /// redirect to where the registry keeps them (`storage.chunk_downloads: redirect`).
    /// Returns the bytes received over the wire.
    @discardableResult
    public func downloadChunk(_ digest: Digest, storedLength: Int, to path: String) async throws -> Int {
        let request = HTTPRequest(
            method: "GET", url: baseURL + "/v1/chunks/\(digest)", headers: [("Authorization", "Bearer \(token)")], followRedirects: true)
        return try await http.download(request, to: path, expectedLength: storedLength)
    }

    /// Commits a signed manifest as a new version. `hold`: keep the version out of "the latest" until a
    /// rollout of it completes (push, then create the rollout).
    @discardableResult
    public func commit(_ manifestBytes: [UInt8], model: String, hold: Bool = false) async throws -> VersionSummary {
        let response = try await send(
            "POST", "/v1/models/\(model)/versions\(hold ? "?hold=true" : "")", headers: Self.jsonHeader, body: manifestBytes, expected: [201])
        return try decode(VersionSummary.self, response)
    }

    /// The signed manifest, byte for byte as committed (its digest is what devices are told to run).
    public func manifest(model: String, version: SemanticVersion, variant: String) async throws -> [UInt8] {
        try await send("GET", "/v1/models/\(model)/versions/\(version)?variant=\(variant)").body
    }

    public func models() async throws -> RegistryReply<ModelList> {
        try await call("GET", "/v1/models", answer: ModelList.self)
    }

    /// Newest first; a 404 `Failure` for a model never pushed.
    public func versions(of model: String) async throws -> RegistryReply<VersionList> {
        try await call("GET", "/v1/models/\(PathEscaping.escape(model))/versions", answer: VersionList.self)
    }
}
