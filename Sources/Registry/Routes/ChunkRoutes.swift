import FleetCore
import HTTPTypes
import Hummingbird

/// `/v1/chunks`: dedup queries, uploads and cacheable downloads.
struct ChunkRoutes {
    let publishing: PublishingService
    let store: any MetadataStore
    let integrity: ChunkIntegrity
    let limits: RegistryConfiguration.Limits
    let metrics: RegistryMetrics
    let memory: ChunkMemoryCache
    /// Set when `storage.chunk_downloads: redirect`: GETs are answered with a presigned URL of this store.
    let redirects: (any PresigningChunkStore)?
    // Both names are valid HTTP tokens, so the failable initialiser cannot fail.
    static let codecHeader = HTTPField.Name(ChunkHeaders.codec) ?? .contentEncoding
    static let lengthHeader = HTTPField.Name(ChunkHeaders.length) ?? .contentLength

    func register(on router: RouteTable) {
        router.post("/v1/chunks/missing") { request, context in
            try context.require(.publish)
            return try await missing(request)
        }
        router.put("/v1/chunks/:digest") { request, context in
            try context.require(.publish)
            let digest = try Self.digest(context)
            guard let codecName = request.headers[ChunkRoutes.codecHeader], let lengthText = request.headers[ChunkRoutes.lengthHeader],
                let length = Int(lengthText)
            else {
                throw RegistryError.badRequest("a chunk upload needs the headers \(ChunkHeaders.codec) and \(ChunkHeaders.length)")
            }
            let codec = try ChunkCodec(parsing: codecName)
            var request = request
            let stored = try await request.bytes(upTo: limits.maxChunkStoredBytes)
            let record = try await publishing.putChunk(digest: digest, codec: codec, length: length, stored: stored)
            metrics.chunkStored(bytes: stored.count)
            return try JSONBody.response(record.form, status: .created)
        }
        router.get("/v1/chunks/:digest") { request, context in try await download(request, context) }
        router.head("/v1/chunks/:digest") { request, context in try await download(request, context) }
    }

    /// A query may name 100k digests (7 MB of JSON): decoding and encoding it run off the handlers' threads.
    private func missing(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.bytes(upTo: limits.maxManifestBytes)
        let limit = limits.maxManifestBytes
        let query = try await OffloadedWork.run { try Request.decodeJSON(MissingChunksRequest.self, from: body, limit: limit) }
        return JSONBody.response(bytes: try await publishing.missingJSON(query))
    }

    /// Serves a chunk's verified stored bytes: strong ETag, immutable caching, single ranges.
    private func download(_ request: Request, _ context: RegistryContext) async throws -> Response {
        try context.requireArtifactReader()
        let digest = try Self.digest(context)
        guard let record = try await store.chunks([digest])[digest] else {
            throw RegistryError.notFound("chunk \(digest) is not stored here")
        }
        let plan = try DownloadPlan(request: request, record: record)
        guard let range = plan.range, request.method != .head else {
            return Response(status: plan.status, headers: plan.headers)
        }
        if let redirects {
            return Self.redirect(to: redirects.presignedURL(for: digest, codec: record.codec, expiresIn: ChunkDownloads.redirectLifetimeSeconds))
        }
        // Stored chunks are at most a few hundred KiB: read whole, keep hot ones in memory. Only
        // verified bytes enter the cache, so bytes that rot on disk are never served, from disk or memory.
        var bytes = memory.bytes(for: digest)
        if bytes == nil {
            bytes = try await integrity.verifiedBytes(record)
            if let bytes { memory.insert(bytes, for: digest) }
        }
        guard let bytes, bytes.readableBytes == record.storedLength,
            let slice = bytes.getSlice(at: bytes.readerIndex + range.lowerBound, length: range.count)
        else {
            throw StorageError.unavailable("chunk \(digest) is recorded but its stored bytes are missing or short")
        }
        metrics.chunkServed(bytes: range.count)
        return Response(status: plan.status, headers: plan.headers, body: .init(byteBuffer: slice))
    }

    /// A 302 to the stored form in S3. Not cacheable (the URL expires), unlike the chunk itself; the
    /// client resends its `Range`, and verifies what S3 sends as it verifies what the registry sends.
    static func redirect(to url: String) -> Response {
        Response(status: .found, headers: [.location: url, .cacheControl: "no-store", .contentLength: "0"])
    }

    static func digest(_ context: RegistryContext) throws -> Digest {
        let text = try context.pathParameter("digest")
        return try Digest(parsing: text)
    }
}

/// What to answer to a chunk GET or HEAD, decided before any I/O: status, headers, byte range.
/// Synchronous on purpose (see docs/decisions.md, "Swift 6.3 hazard").
struct DownloadPlan {
    var status: HTTPResponse.Status = .ok
    var headers: HTTPFields
    /// Bytes to send; nil for 304.
    var range: ClosedRange<Int>?

    init(request: Request, record: ChunkRecord) throws {
        let tag = "\"\(record.digest)\""
        headers = [
            .eTag: tag,
            .cacheControl: "public, max-age=31536000, immutable",
            .acceptRanges: "bytes",
            .contentType: "application/octet-stream",
            ChunkRoutes.codecHeader: record.codec.description,
            ChunkRoutes.lengthHeader: String(record.length)
        ]
        if let tags = request.headers[.ifNoneMatch],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag || $0 == "*" })
        {
            status = .notModified
            range = nil
            return
        }
        let size = record.storedLength
        var range = 0...(size - 1)
        if let header = request.headers[.range] {
            guard let requested = ByteRange(header: header, size: size) else {
                throw RegistryError(
                    status: .rangeNotSatisfiable, code: "bad_range", message: "range '\(header)' does not fit a \(size)-byte chunk (one range only)")
            }
            range = requested.range
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
        }
        headers[.contentLength] = String(range.count)
        self.range = range
    }
}

/// One `Range: bytes=…` request (first-last, first-, or -suffix). Multiple ranges are not supported.
struct ByteRange {
    let range: ClosedRange<Int>

    init?(header: String, size: Int) {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst("bytes=".count)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        switch (Int(first), Int(last)) {
        case (let start?, let end?) where start <= end && start < size: range = start...min(end, size - 1)
        case (let start?, nil) where last.isEmpty && start < size: range = start...(size - 1)
        case (nil, let suffix?) where first.isEmpty && suffix > 0: range = max(0, size - suffix)...(size - 1)
        default: return nil
        }
    }
}
