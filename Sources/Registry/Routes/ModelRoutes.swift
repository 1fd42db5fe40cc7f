import FleetCore
import Hummingbird

/// `/v1/models`: committing signed versions, reading them back, and removing them.
struct ModelRoutes {
    let publishing: PublishingService
    let store: any MetadataStore
    let limits: RegistryConfiguration.Limits
    let removal: VersionRemoval

    func register(on router: RouteTable) {
        registerRemoval(on: router)
        router.post("/v1/models/:name/versions") { request, context in
            try context.require(.publish)
            let name = try context.pathParameter("name")
            var request = request
            let bytes = try await request.bytes(upTo: limits.maxManifestBytes)
            let hold = try Self.flag(request, "hold")
            let record = try await publishing.commit(model: name, manifestBytes: bytes, hold: hold, by: context.actorName, now: .now())
            return try JSONBody.response(VersionSummary(record), status: .created)
        }
        router.get("/v1/models") { _, context in
            try context.requireArtifactReader()
            var models: [ModelSummary] = []
            for name in try await store.modelNames() {
                let versions = try await store.versions(of: name)
                models.append(
                    ModelSummary(
                        name: name, latest: versions.map(\.version).max(),
                        versions: Set(versions.map(\.version)).count, variants: Set(versions.map(\.variant)).sorted()
                    ))
            }
            return try JSONBody.response(ModelList(models: models))
        }
        router.get("/v1/models/:name/versions") { _, context in
            try context.requireArtifactReader()
            let versions = try await knownVersions(context)
            let sorted = versions.sorted { ($0.version, $0.variant) > ($1.version, $1.variant) }
            return try JSONBody.response(VersionList(versions: sorted.map(VersionSummary.init)))
        }
        router.get("/v1/models/:name/versions/:version") { request, context in
            try context.requireArtifactReader()
            let versions = try await knownVersions(context)
            let text = try context.pathParameter("version")
            let version = try SemanticVersion(parsing: text)
            let wanted = request.uri.queryParameters["variant"].map(String.init)
            let match = try Self.pick(
                versions.filter { $0.version == version }, variant: wanted, model: try context.pathParameter("name"), version: version)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .eTag: "\"\(match.manifestDigest)\""],
                body: .init(byteBuffer: ByteBuffer(bytes: match.manifest))
            )
        }
    }

    /// `DELETE /v1/models/{name}[/versions/{version}]?variant=&force=`: removal (admin scope), refused with 409 while needed.
    private func registerRemoval(on router: RouteTable) {
        router.delete("/v1/models/:name") { request, context in
            try context.require(.admin)
            return try await remove(request, context, version: nil)
        }
        router.delete("/v1/models/:name/versions/:version") { request, context in
            try context.require(.admin)
            return try await remove(request, context, version: try SemanticVersion(parsing: try context.pathParameter("version")))
        }
    }

    private func remove(_ request: Request, _ context: RegistryContext, version: SemanticVersion?) async throws -> Response {
        let name = try context.pathParameter("name")
        let force = try Self.flag(request, "force")
        let variant = request.uri.queryParameters["variant"].map(String.init)
        let removed = try await removal.remove(model: name, version: version, variant: variant, force: force, by: context.actorName, now: .now())
        return try JSONBody.response(RemovedVersions(model: name, removed: removed.map(VersionSummary.init)))
    }

    /// A `true`/`false` query parameter, false when absent.
    static func flag(_ request: Request, _ name: String) throws -> Bool {
        try request.uri.queryParameters[Substring(name)].map { text -> Bool in
            guard let value = Bool(String(text)) else { throw RegistryError.badRequest("\(name) must be true or false, got '\(text)'") }
            return value
        } ?? false
    }

    /// The requested variant, or the only one; several variants and no choice is a 400.
    static func pick(_ variants: [VersionRecord], variant wanted: String?, model: String, version: SemanticVersion) throws -> VersionRecord {
        if wanted == nil, variants.count > 1 {
            throw RegistryError.badRequest(
                "version \(version) has variants \(variants.map(\.variant).sorted().joined(separator: ", ")); pick one with ?variant=")
        }
        guard let match = variants.first(where: { wanted == nil || $0.variant == wanted }) else {
            throw RegistryError.notFound("\(model) has no version \(version)\(wanted.map { " (\($0))" } ?? "")")
        }
        return match
    }

    private func knownVersions(_ context: RegistryContext) async throws -> [VersionRecord] {
        let name = try context.pathParameter("name")
        try PublishingService.checkName(name, what: "model name")
        let versions = try await store.versions(of: name)
        guard !versions.isEmpty else { throw RegistryError.notFound("no model named '\(name)'") }
        return versions
    }
}

extension VersionSummary {
    /// The listing row of a stored version; the model file's size and the quantization come from its manifest (stored
    /// only after it was verified, so it decodes; a row without them is still a row).
    init(_ record: VersionRecord) {
        let manifest = try? ManifestCoding.decode(record.manifest).manifest
        let modelPath = manifest?.selfTest?.model ?? manifest?.files.first?.path
        self.init(
            version: record.version, variant: record.variant, manifestDigest: record.manifestDigest, publisher: record.publisher,
            createdAt: record.createdAt, committedAt: record.committedAt, totalSize: record.totalSize, storedSize: record.storedSize,
            modelSize: manifest?.files.first { $0.path == modelPath }?.size, quantization: manifest?.quantization)
    }
}
