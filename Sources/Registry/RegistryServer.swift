public import FleetCore
import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle

/// Assembles the registry: data directory, stores, first-start tokens, router, Hummingbird application.
public struct RegistryServer: Sendable {
    public let configuration: RegistryConfiguration
    public let store: CachingMetadataStore
    public let blobs: any ChunkBlobStore
    public let metrics = RegistryMetrics()
    /// Shared by the check-in route and the rollout service, which drops answers a rollout change outdates.
    let answers = DesiredStateCache()
    let rollouts: RolloutService
    /// Shared by chunk uploads and garbage collection (see the type).
    let chunkGate = ChunkGate()
    /// Who evaluates rollouts, collects and scrubs: always this process on the embedded store; one replica
    /// at a time on a shared one.
    public var leadership: any FleetLeadership = SoleReplica()

    /// Opens (creating on first start) the data directory with the embedded stores:
    /// `registry.sqlite` (WAL) and `chunks/`. A configuration naming a PostgreSQL metadata store is opened
    /// with `open(configuration:identifiers:logger:)` instead, which connects first.
    /// `identifiers`: random unless a test needs the same device and rollout ids on every run.
    public init(configuration: RegistryConfiguration, identifiers: Identifiers = .random) throws {
        guard configuration.metadata == .sqlite else {
            throw RegistryConfiguration.Invalid(description: "metadata in \(configuration.metadata) needs RegistryServer.open, which connects to it")
        }
        try Self.createDataDirectory(configuration)
        try self.init(
            configuration: configuration, metadata: try SQLiteMetadataStore(path: configuration.dataDirectory + "/registry.sqlite"),
            identifiers: identifiers)
    }

    /// The registry on an already opened metadata store (`chunks/` and the tokens stay in the data directory).
    public init(configuration: RegistryConfiguration, metadata: any MetadataStore, identifiers: Identifiers = .random) throws {
        self.configuration = configuration
        try Self.createDataDirectory(configuration)
        store = CachingMetadataStore(wrapping: metadata)
        blobs = try Self.openChunkStore(configuration)
        rollouts = RolloutService(store: store, answers: answers, identifiers: identifiers)
    }

    /// `DATA/chunks`, or the configured S3 bucket (no request is made here: see `checkChunkStore`).
    private static func openChunkStore(_ configuration: RegistryConfiguration) throws -> any ChunkBlobStore {
        if configuration.chunkDownloads == .redirect, configuration.chunks == .local {
            throw RegistryConfiguration.Invalid(description: "storage.chunk_downloads: redirect needs storage.chunks: s3://BUCKET (local chunks are streamed)")
        }
        switch configuration.chunks {
        case .local: return try FileChunkStore(root: configuration.dataDirectory + "/chunks")
        case .s3(let bucket): return try S3ChunkStore(settings: configuration.s3, bucket: bucket)
        }
    }

    /// Fails with one line if the chunk store cannot be used: for S3, an unreachable endpoint, refused
    /// credentials or a missing bucket. `open` calls it before the registry serves anything.
    public func checkChunkStore() async throws {
        try await (blobs as? S3ChunkStore)?.checkReachable()
    }

    /// Opens the metadata store the configuration names (connecting to and migrating PostgreSQL first; a
    /// failure is one `PostgresUnavailable` line) and the chunk store (checked: one line if S3 cannot be
    /// used), then the registry on them.
    public static func open(configuration: RegistryConfiguration, identifiers: Identifiers = .random, logger: Logger) async throws -> RegistryServer {
        var server: RegistryServer
        switch configuration.metadata {
        case .sqlite:
            server = try RegistryServer(configuration: configuration, identifiers: identifiers)
        case .postgres(let location):
            let metadata = try await PostgresMetadataStore.connect(to: location, logger: logger)
            server = try RegistryServer(configuration: configuration, metadata: metadata, identifiers: identifiers)
            server.leadership = PostgresLeadership(location: location, logger: logger)
        }
        try await server.checkChunkStore()
        return server
    }

    private static func createDataDirectory(_ configuration: RegistryConfiguration) throws {
        try FileManager.default.createDirectory(
            atPath: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Advances and pauses active rollouts now, as the scheduler does every second (for tests and tools).
    @discardableResult
    public func evaluateRollouts() async throws -> [Rollout] {
        try await rollouts.evaluate(now: .now())
    }

    /// On first start, creates the admin and enrollment tokens and writes them to
    /// `DATA/admin.token` and `DATA/enroll.token` (0600). Returns the paths it wrote.
    @discardableResult
    public func createInitialTokens() async throws -> [String] {
        var written: [String] = []
        for (kind, file, scopes) in [(TokenKind.admin, "admin.token", [Scope.admin]), (.enrollment, "enroll.token", [])] {
            guard try await !store.hasTokens(of: kind) else { continue }
            let token = BearerToken.generate(kind: kind)
            let path = configuration.dataDirectory + "/" + file
            guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw FleetError.io(path: path, operation: "write", errno: errno)
            }
            try await store.insertToken(
                TokenRecord(hash: BearerToken.hash(token), kind: kind, scopes: scopes, deviceID: nil, label: file, createdAt: .now()), audit: nil)
            written.append(path)
        }
        return written
    }

    /// Verifies stored chunks before they are served or cached, quarantining bad ones.
    var integrity: ChunkIntegrity { ChunkIntegrity(blobs: blobs, metrics: metrics, logger: Logger(label: "modelfleet-registry")) }

    /// Verifies every recorded chunk now, quarantining those whose bytes do not match
    /// (`modelfleet-registry scrub`; the server also does it every `storage.scrub_interval_seconds`).
    public func scrub() async throws -> ChunkScrubber.Report {
        try await ChunkScrubber(store: store, integrity: integrity).scrub()
    }

    var removal: VersionRemoval { VersionRemoval(store: store, answers: answers) }

    /// Deletes unreferenced chunks (`POST /v1/gc`, and every `storage.gc_interval_seconds`).
    public var collector: ChunkCollector { ChunkCollector(store: store, blobs: blobs, gate: chunkGate, removal: removal) }

    /// The router with every route and middleware, and the table of what was registered.
    public func routes() -> (router: Router<RegistryContext>, table: RouteTable) {
        let router = Router(context: RegistryContext.self)
        // One structured log line per request at debug level (`--log-level debug` to see them).
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        router.add(
            middleware: RateLimitMiddleware(
                failedAuthentications: AddressRateLimiter(perMinute: configuration.limits.authFailuresPerMinute),
                enrollments: AddressRateLimiter(perMinute: configuration.limits.enrollmentsPerMinute),
                clientAddress: ClientAddress(trustedProxies: configuration.trustedProxies)))
        router.add(middleware: AuthenticationMiddleware(store: store, servesTLS: configuration.tls.certificateFile != nil))
        let table = RouteTable(router: router)
        let limits = configuration.limits
        let trust = PublisherTrust(store: store)
        let publishing = PublishingService(store: store, blobs: blobs, limits: limits, answers: answers, gate: chunkGate, trust: trust)
        OpsRoutes(store: store, metrics: metrics).register(on: table)
        ChunkRoutes(
            publishing: publishing, store: store, integrity: integrity, limits: limits, metrics: metrics,
            memory: ChunkMemoryCache(budgetBytes: configuration.chunkMemoryCacheBytes),
            redirects: configuration.chunkDownloads == .redirect ? blobs as? any PresigningChunkStore : nil
        ).register(on: table)
        ModelRoutes(publishing: publishing, store: store, limits: limits, removal: removal).register(on: table)
        CollectorRoutes(collector: collector, defaultGraceSeconds: configuration.gcGraceSeconds).register(on: table)
        let devices = DeviceService(
            store: store, checkinIntervalSeconds: configuration.checkinIntervalSeconds, answers: answers, identifiers: rollouts.identifiers)
        DeviceRoutes(devices: devices, store: store, metrics: metrics).register(on: table)
        AdminRoutes(store: store, answers: answers, trust: trust).register(on: table)
        TrustRoutes(trust: trust, answers: answers).register(on: table)
        TokenRoutes(store: store).register(on: table)
        RolloutRoutes(rollouts: rollouts, store: store).register(on: table)
        let queries = FleetQueries(store: store, devices: devices)
        FleetRoutes(queries: queries, store: store, answers: answers).register(on: table)
        DashboardRoutes(
            pages: DashboardPages(store: store, queries: queries, rollouts: rollouts), login: DashboardLogin(store: store), rollouts: rollouts,
            servesTLS: configuration.tls.certificateFile != nil
        ).register(on: router)
        OCIRoutes(store: store, blobs: OCIBlobCache(directory: configuration.dataDirectory + "/oci-blobs", store: store, integrity: integrity))
            .register(on: router)
        // Last, so it wraps only the not-found responder (see the type).
        router.add(middleware: MethodNotAllowedMiddleware(routes: table.methods))
        return (router, table)
    }

    /// The Hummingbird application; `onListening` receives the bound port (useful with port 0).
    /// `security` is the listener's protection (`ListenerSecurity(configuration)`, which loads the certificate).
    public func application(
        logger: Logger, security: ListenerSecurity, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        guard let (host, port) = configuration.hostAndPort else {
            throw RegistryConfiguration.Invalid(description: "bind address '\(configuration.bind)' must be HOST:PORT")
        }
        var services: [any Service] = [
            CheckinFlusher.service(store, interval: .seconds(1), logger: logger),
            RolloutScheduler.service(rollouts, interval: .seconds(1), logger: logger).led(by: leadership),
            ScrubSchedule.service(
                ChunkScrubber(store: store, integrity: integrity), interval: .seconds(configuration.scrubIntervalSeconds), logger: logger
            ).led(by: leadership),
            CollectorSchedule.service(
                collector, interval: .seconds(configuration.gcIntervalSeconds), graceSeconds: configuration.gcGraceSeconds,
                keepVersions: configuration.keepVersions, logger: logger
            ).led(by: leadership),
            ResignOnShutdown(leadership: leadership)
        ]
        var tls: ServerTLS?
        switch security {
        case .tls(let identity):
            tls = identity
            services.append(CertificateReloadOnHangup(tls: identity, logger: logger))
        case .loopback:
            break
        case .insecure:
            logger.warning(
                "serving plain HTTP on \(configuration.bind), which is not a loopback address (--insecure-http): bearer tokens and models cross the network unencrypted unless a TLS proxy protects the link"
            )
        }
        return Application(
            router: routes().router,
            server: .registry(limits: configuration.limits, connections: configuration.connections, tls: tls, logger: logger),
            configuration: .init(address: .hostname(host, port: port), serverName: "modelfleet-registry"),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
