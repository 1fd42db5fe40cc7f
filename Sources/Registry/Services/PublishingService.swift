public import FleetCore

/// Chunk uploads with dedup, and version commits that are all-or-nothing.
///
/// A chunk enters the store only after its bytes decode to exactly the digest it is named by;
/// a version enters only after its manifest's signature verifies against a registered publisher key
/// and every chunk it names is present in the stored form it claims. FleetCore and storage errors
/// thrown here reach clients through `ErrorMiddleware`, which gives them their HTTP statuses.
public struct PublishingService: Sendable {
    let store: any MetadataStore
    let blobs: any ChunkBlobStore
    let limits: RegistryConfiguration.Limits
    let answers: DesiredStateCache
    let gate: ChunkGate
    let trust: PublisherTrust

    /// Which of the named chunks the registry lacks, as the JSON of a `MissingChunksResponse` (a 100k-digest
    /// answer is 10 MB of it). Linear in the digests; the CPU-bound steps run on `OffloadedWork`'s pool and the
    /// lookup on the store's own queues, so a huge query delays no other request.
    func missingJSON(_ request: MissingChunksRequest) async throws -> [UInt8] {
        let limit = limits.maxMissingDigests
        let digests = try await OffloadedWork.run { try MissingChunksQuery.distinct(request.digests, limit: limit) }
        let known = try await withoutQuarantined(store.chunks(digests))
        return try await OffloadedWork.run { MissingChunksQuery.json(digests, known: known) }
    }

    /// Chunk records whose stored bytes are quarantined count as missing: a publisher then uploads
    /// them again, which restores them (`putChunk`).
    private func withoutQuarantined(_ records: [Digest: ChunkRecord]) async throws -> [Digest: ChunkRecord] {
        let quarantined = try await blobs.quarantinedDigests()
        return quarantined.isEmpty ? records : records.filter { !quarantined.contains($0.key) }
    }

    /// Verifies and stores one chunk. Idempotent: a chunk already present keeps its stored form.
    /// A chunk whose stored bytes were quarantined is restored by uploading that stored form again.
    public func putChunk(digest: Digest, codec: ChunkCodec, length: Int, stored: [UInt8]) async throws -> ChunkRecord {
        guard length > 0, length <= limits.maxChunkBytes else {
            throw StorageError.invalid("\(ChunkHeaders.length) must be between 1 and \(limits.maxChunkBytes), got \(length)")
        }
        // Held against garbage collection of this digest from the lookup to the record (`ChunkGate`).
        // In a task of its own: run in the connection's task, a release build aborted in the S3 write
        // ("freed pointer was not the last allocation") when the same keep-alive connection had committed
        // a version before, as nginx's pooled upstream connections do (docs/decisions.md, "Swift 6.3 hazard").
        return try await Task { [self] in
            try await gate.holding([digest]) { [self] in
                try await storeChunk(digest: digest, codec: codec, length: length, stored: stored)
            }
        }.value
    }

    private func storeChunk(digest: Digest, codec: ChunkCodec, length: Int, stored: [UInt8]) async throws -> ChunkRecord {
        let existing = try await store.chunks([digest])[digest]
        if let existing {
            guard await blobs.isQuarantined(digest, codec: existing.codec) else { return existing }
            guard existing.form == StoredChunkForm(length: length, storedLength: stored.count, codec: codec) else {
                throw StorageError.conflict(
                    "chunk \(digest) is quarantined and must be restored in its recorded stored form (\(existing.codec), "
                        + "\(existing.storedLength) bytes), got \(codec), \(stored.count) bytes")
            }
        }
        try await OffloadedWork.run {
            _ = try stored.withUnsafeBytes { try ChunkCompressor().decode($0, codec: codec, length: length, digest: digest) }
        }
        try await blobs.write(stored, digest: digest, codec: codec)
        if let existing { return existing }
        return try await store.recordChunk(ChunkRecord(digest: digest, length: length, storedLength: stored.count, codec: codec))
    }

    /// Verifies and commits a signed manifest as a new version of `model`, with its audit line (by `actor`).
    /// `hold` keeps the version out of "the latest" until a rollout of it completes (`VersionRecord.held`).
    public func commit(model: String, manifestBytes: [UInt8], hold: Bool = false, by actor: String, now: Timestamp) async throws -> VersionRecord {
        try Self.checkName(model, what: "model name")
        let publishers = try await trust.trustedPublishers()
        let verified: VerifiedManifest
        do {
            verified = try publishers.verify(manifestBytes, maximumBytes: limits.maxManifestBytes)
        } catch FleetError.untrustedManifest(let reason) {
            // A revoked signer is told so, not just that its key is unknown.
            if let signer = try? ManifestCoding.decode(manifestBytes, maximumBytes: limits.maxManifestBytes).manifest.publisher {
                try await trust.checkNotRevoked(signer)
            }
            throw FleetError.untrustedManifest(reason: reason)
        }
        let manifest = verified.manifest
        guard manifest.model == model else {
            throw StorageError.invalid("the manifest is for model '\(manifest.model)', not '\(model)'")
        }
        let named = manifest.files.flatMap(\.chunks)
        let stored = try await withoutQuarantined(store.chunks(named.map(\.digest)))
        var missing: [Digest] = []
        var seenMissing = Set<Digest>()
        for chunk in named {
            guard let record = stored[chunk.digest] else {
                if seenMissing.insert(chunk.digest).inserted { missing.append(chunk.digest) }
                continue
            }
            guard record.form == StoredChunkForm(length: chunk.length, storedLength: chunk.storedLength, codec: chunk.codec) else {
                throw StorageError.conflict(
                    "chunk \(chunk.digest) is stored as \(record.codec), \(record.storedLength) bytes, but the manifest says \(chunk.codec), \(chunk.storedLength) bytes; use the stored form from POST /v1/chunks/missing"
                )
            }
        }
        guard missing.isEmpty else {
            throw StorageError.missingChunks(digests: missing, "\(missing.count) chunk(s) named by the manifest are not uploaded")
        }
        let record = VersionRecord(
            model: manifest.model, version: manifest.version, variant: manifest.variant,
            manifestDigest: verified.digest, manifest: verified.canonicalBytes, publisher: manifest.publisher,
            createdAt: manifest.createdAt, committedAt: now, totalSize: manifest.totalSize, storedSize: manifest.totalStoredSize,
            requirements: manifest.requirements, held: hold
        )
        try await store.insertVersion(
            record,
            audit: AuditEntry(
                at: now, actor: actor, action: "version.commit", subject: record.model,
                detail: "\(record.version) (\(record.variant)) \(record.manifestDigest)\(hold ? " held" : "")"))
        answers.invalidate()
        return record
    }

    /// Model and variant names from URLs: the manifest alphabet, reported as 400.
    static func checkName(_ name: String, what: String) throws {
        if let problem = ManifestValidator.nameProblem(name, what: what) { throw StorageError.invalid(problem) }
    }
}
