public import FleetCore

/// Publishes a model version: chunk locally, ask the registry what it lacks, compress and upload only
/// that, sign a manifest naming every chunk in the registry's stored form, commit.
///
/// Re-running an interrupted push uploads only what is still missing: the registry's chunk store is
/// the checkpoint. Memory stays bounded: files are chunked streaming, and each missing chunk is read
/// back, encoded and uploaded on its own.
public struct ModelPublisher: Sendable {
    public struct FileInput: Sendable {
        public var localPath: String
        public var manifestPath: String
        public var mode: Chunker.Mode

        public init(localPath: String, manifestPath: String, mode: Chunker.Mode) {
            self.localPath = localPath
            self.manifestPath = manifestPath
            self.mode = mode
        }
    }

    /// What a push did, for the summary line and for scripts (`--json`).
    public struct Summary: Codable, Sendable {
        public var model: String
        public var version: String
        public var variant: String
        public var manifestDigest: Digest
        public var totalBytes: UInt64
        public var chunks: Int
        public var uploadedChunks: Int
        /// Stored (compressed) bytes sent over the wire.
        public var uploadedBytes: UInt64
        /// Original bytes of chunks the registry already had.
        public var deduplicatedBytes: UInt64
        public var seconds: Double
    }

    /// Progress events, e.g. for a progress bar.
    public enum Progress: Sendable {
        case chunked(file: String, chunks: Int)
        case uploading(total: Int)
        case uploaded(done: Int, total: Int, bytes: UInt64)
    }

    public var registry: RegistryClient
    public var key: PublisherPrivateKey
    public var settings: ChunkCompressor.Settings
    public var chunker: Chunker
    /// Commit with `hold` (`fleetctl push --hold`): the version is not "the latest" until a rollout of it completes.
    public var hold = false
    /// What the push measured when this variant was quantized from another (`fleetctl push --quantize`), signed with
    /// the manifest. A property rather than a parameter of `push`, whose async frame must stay small (see `upload`).
    public var quantization: Manifest.Quantization?

    public init(registry: RegistryClient, key: PublisherPrivateKey, settings: ChunkCompressor.Settings = .standard, chunker: Chunker = Chunker()) {
        self.registry = registry
        self.key = key
        self.settings = settings
        self.chunker = chunker
    }

    /// The manifest naming each chunk in the form the registry stores it, signed, and its bytes.
    /// Synchronous on purpose: building it inline made `push`'s async frame large enough to corrupt
    /// the heap under Swift 6.3.1 (see docs/decisions.md, "Swift 6.3 hazard").
    private func signedManifest(
        model: String, version: SemanticVersion, variant: String, chunked: [(input: FileInput, file: ChunkedFile)],
        forms: [Digest: StoredChunkForm], selfTest: Manifest.SelfTest?, requirements: Manifest.Requirements?
    ) throws -> (Manifest, [UInt8]) {
        let entries = try chunked.map { input, file in
            Manifest.File(
                path: input.manifestPath, size: file.size, digest: file.digest,
                chunking: .init(mode: input.mode, parameters: chunker.parameters),
                chunks: try file.chunks.map { span in
                    guard let form = forms[span.digest] else {
                        throw FleetError.invalidManifest(reason: "no stored form for chunk \(span.digest) after upload")
                    }
                    return Manifest.Chunk(offset: span.offset, length: span.length, storedLength: form.storedLength, codec: form.codec, digest: span.digest)
                }
            )
        }
        let manifest = try ManifestSigning.sign(
            Manifest(
                model: model, version: version, variant: variant, files: entries, selfTest: selfTest, requirements: requirements,
                quantization: quantization, createdAt: .now(), publisher: key.publicKey.keyID),
            with: key
        )
        try ManifestValidator.validate(manifest)
        return (manifest, try ManifestCoding.encode(manifest))
    }

    public func push(
        model: String, version: SemanticVersion, variant: String, files: [FileInput], selfTest: Manifest.SelfTest?,
        requirements: Manifest.Requirements? = nil,
        progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Summary {
        let clock = ContinuousClock()
        let started = clock.now
        try ManifestValidator.checkName(model, what: "model name")
        try ManifestValidator.checkName(variant, what: "variant")

        // Pass 1: chunk (and hash) every file; nothing is compressed yet.
        var chunked: [(input: FileInput, file: ChunkedFile)] = []
        for input in files {
            let file = try chunker.chunkFile(at: input.localPath, mode: input.mode)
            chunked.append((input, file))
            progress(.chunked(file: input.manifestPath, chunks: file.chunks.count))
        }
        let allSpans = chunked.flatMap(\.file.chunks)
        let answer = try await registry.missingChunks(Array(Set(allSpans.map(\.digest))))
        var forms: [Digest: StoredChunkForm] = [:]
        for (text, form) in answer.present { forms[try Digest(parsing: text)] = form }

        let missing = Set(answer.missing)
        let uploaded = try await upload(chunked, missing: missing, present: forms, progress: progress)

        let (manifest, bytes) = try signedManifest(
            model: model, version: version, variant: variant, chunked: chunked, forms: uploaded.forms,
            selfTest: selfTest, requirements: requirements)
        try await registry.commit(bytes, model: model, hold: hold)

        let deduplicated = allSpans.filter { !missing.contains($0.digest) }.reduce(UInt64(0)) { $0 + UInt64($1.length) }
        let elapsed = clock.now - started
        return Summary(
            model: model, version: version.description, variant: variant, manifestDigest: Digest.of(bytes),
            totalBytes: manifest.totalSize, chunks: allSpans.count, uploadedChunks: uploaded.chunks,
            uploadedBytes: uploaded.bytes, deduplicatedBytes: deduplicated,
            seconds: elapsed.seconds
        )
    }

    /// The stored form of every chunk once pass 2 is done, and what it sent.
    private struct Uploaded {
        var forms: [Digest: StoredChunkForm]
        var chunks = 0
        var bytes: UInt64 = 0
    }

    /// Pass 2: encode and upload each missing chunk once, reading it back from its file. A function of its
    /// own to keep `push`'s async frame small (the Swift 6.3 hazard in docs/decisions.md: a larger frame
    /// corrupted the heap when `push` grew by one field).
    private func upload(
        _ chunked: [(input: FileInput, file: ChunkedFile)], missing: Set<Digest>, present: [Digest: StoredChunkForm],
        progress: @Sendable (Progress) -> Void
    ) async throws -> Uploaded {
        var uploaded = Uploaded(forms: present)
        progress(.uploading(total: missing.count))
        let compressor = ChunkCompressor()
        for (input, file) in chunked {
            let reader = try ReadOnlyFile(path: input.localPath)
            for span in file.chunks where missing.contains(span.digest) && uploaded.forms[span.digest] == nil {
                let bytes = try reader.read(count: span.length, at: span.offset)
                guard Digest.of(bytes) == span.digest else {
                    throw FleetError.digestMismatch(
                        subject: "\(input.localPath) at offset \(span.offset) (the file changed during the push)", expected: span.digest,
                        actual: Digest.of(bytes))
                }
                let (codec, stored) = try bytes.withUnsafeBytes { try compressor.encode($0, elementWidth: span.elementWidth, settings: settings) }
                uploaded.forms[span.digest] = try await registry.putChunk(span.digest, codec: codec, length: span.length, stored: stored)
                uploaded.chunks += 1
                uploaded.bytes += UInt64(stored.count)
                progress(.uploaded(done: uploaded.chunks, total: missing.count, bytes: uploaded.bytes))
            }
        }
        return uploaded
    }
}
