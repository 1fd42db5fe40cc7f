public import FleetCore
public import NIOCore

/// Chunks as objects in one S3 bucket, for registries that share storage (issue #16).
///
/// Keys are immutable and derived from the chunk alone: `chunks/<hex[0..2]>/<hex>.<codec>`. The
/// two-character folder lets garbage collection list one shard at a time, as `FileChunkStore` does.
/// A chunk is written with one PUT, which S3 makes visible whole or not at all. Quarantine copies the
/// object to `quarantine/<hex>.<codec>` (beside a `.reason` object), then deletes the original, so
/// once it returns `read` finds nothing; until the delete, readers still get the original, which
/// verification refuses again.
public struct S3ChunkStore: PresigningChunkStore {
    let client: S3Client
    /// Keys per ListObjectsV2 page; S3's maximum is 1000 (tests lower it to exercise continuation).
    let listPageSize: Int

    init(client: S3Client, listPageSize: Int = 1000) {
        self.client = client
        self.listPageSize = listPageSize
    }

    public init(settings: S3Settings, bucket: String) throws {
        self.init(client: try settings.client(bucket: bucket))
    }

    /// The bucket in `s3://BUCKET`.
    public var bucket: String { client.bucket }

    static func key(for digest: Digest, codec: ChunkCodec) -> String {
        let hex = digest.hex
        return "chunks/\(hex.prefix(2))/\(hex).\(codec)"
    }

    static func quarantineKey(for digest: Digest, codec: ChunkCodec) -> String {
        "quarantine/\(digest.hex).\(codec)"
    }

    /// Fails with one line unless the endpoint answers, the credentials are accepted and the bucket
    /// exists: the registry checks this before it serves anything.
    public func checkReachable() async throws {
        let (bucket, endpoint) = (bucket, client.transport.endpoint)
        try await AsyncResult.attempt { try await client.checkBucket() }.mapError { S3StartupFailure(bucket: bucket, endpoint: endpoint, error: $0) }.get()
    }

    public func write(_ bytes: [UInt8], digest: Digest, codec: ChunkCodec) async throws {
        try await unavailableOnFailure(digest, "store") { try await client.put(Self.key(for: digest, codec: codec), ByteBuffer(bytes: bytes)) }
    }

    public func read(_ digest: Digest, codec: ChunkCodec, storedLength: Int) async throws -> ByteBuffer? {
        // One byte past the record: a longer object is read far enough to be refused, no further.
        try await unavailableOnFailure(digest, "read") { try await client.get(Self.key(for: digest, codec: codec), limit: storedLength + 1) }
    }

    public func presignedURL(for digest: Digest, codec: ChunkCodec, expiresIn seconds: Int) -> String {
        client.presignedURL(Self.key(for: digest, codec: codec), expiresIn: seconds)
    }

    public func quarantine(_ digest: Digest, codec: ChunkCodec, reason: String) async throws {
        let (original, aside) = (Self.key(for: digest, codec: codec), Self.quarantineKey(for: digest, codec: codec))
        let note = "\(Timestamp.now()) \(digest): \(reason)\n"
        try await unavailableOnFailure(digest, "quarantine") { try await moveAside(original, to: aside, note: note) }
    }

    /// A method of its own, with `AsyncResult` instead of `try? await` in a closure: the rule of docs/decisions.md
    /// ("Swift 6.3 hazard") for async code that maps errors.
    private func moveAside(_ original: String, to aside: String, note: String) async throws {
        // Already gone (another replica quarantined it first): nothing is left to serve.
        guard try await client.copy(original, to: aside) else { return }
        // The note is best effort, as on disk: failing to explain must not keep bad bytes in service.
        _ = await AsyncResult.attempt { try await client.put(aside + ".reason", ByteBuffer(string: note)) }
        try await client.delete(original)
    }

    public func isQuarantined(_ digest: Digest, codec: ChunkCodec) async -> Bool {
        // A store that cannot answer says no: the caller then reports the chunk missing, not corrupt.
        let (aside, original) = (Self.quarantineKey(for: digest, codec: codec), Self.key(for: digest, codec: codec))
        let asideExists = (try? await client.exists(aside)) ?? false
        guard asideExists else { return false }
        let originalExists = (try? await client.exists(original)) ?? true
        return !originalExists
    }

    /// Lists `quarantine/` (normally empty or nearly so); a form written again since is restored, not quarantined.
    public func quarantinedDigests() async throws -> Set<Digest> {
        try await unavailableOnFailure(nil, "list quarantined") {
            var found = Set<Digest>()
            for entry in try await client.list(prefix: "quarantine/", pageSize: listPageSize) where !entry.key.hasSuffix(".reason") {
                guard let (digest, codec) = Self.parse(entry.key.dropFirst("quarantine/".count)),
                    try await !client.exists(Self.key(for: digest, codec: codec))
                else { continue }
                found.insert(digest)
            }
            return found
        }
    }

    public func delete(_ digest: Digest, codec: ChunkCodec) async throws {
        try await unavailableOnFailure(digest, "delete") { try await client.delete(Self.key(for: digest, codec: codec)) }
    }

    public func storedForms(shard: UInt8) async throws -> [StoredBlob] {
        let prefix = "chunks/\(Hex.encode([shard]))/"
        return try await unavailableOnFailure(nil, "list") {
            try await client.list(prefix: prefix, pageSize: listPageSize).compactMap { entry in
                guard let (digest, codec) = Self.parse(entry.key.dropFirst(prefix.count)), let written = entry.lastModified else { return nil }
                return StoredBlob(digest: digest, codec: codec, writtenAt: written)
            }
        }
    }

    /// `<hex>.<codec>` back to the chunk it names; nil for anything else in the bucket.
    static func parse(_ name: Substring) -> (Digest, ChunkCodec)? {
        let parts = name.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let digest = try? Digest(parsing: Digest.prefix + parts[0]), let codec = try? ChunkCodec(parsing: String(parts[1]))
        else { return nil }
        return (digest, codec)
    }

    /// S3 failures become `StorageError.chunkStoreUnreachable` (503), naming the chunk and what S3 said,
    /// never the credentials: a publisher's retry can succeed once the bucket answers again.
    private func unavailableOnFailure<T: Sendable>(
        _ digest: Digest?, _ operation: String, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await AsyncResult.attempt(body).mapError { error in
            guard error is S3RequestFailed || error is S3Transport.Failure else { return error }
            return StorageError.chunkStoreUnreachable("cannot \(operation) \(digest.map { "chunk \($0)" } ?? "chunks") on the chunk store: \(error)")
        }.get()
    }
}
