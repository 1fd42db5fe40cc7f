import Foundation
import NIOCore
import Yams

/// The registry's settings: embedded defaults, then a YAML file, then `MODELFLEET_*` environment
/// variables, then command-line flags, each overriding the one before.
///
/// One table (`settings`) names every key once; the YAML reader, the environment reader and the
/// error messages all use it, so a key cannot exist in one and be missing from another.
public struct RegistryConfiguration: Sendable, Equatable {
    public struct Limits: Sendable, Equatable {
        /// Largest signed manifest accepted (also bounds the JSON of a missing-chunks query).
        public var maxManifestBytes = 32 << 20
        /// Largest original chunk length (FleetCore's maximum chunk size).
        public var maxChunkBytes = 256 << 10
        /// Largest stored chunk body; zstd and zlib add a little over the original in the worst case.
        public var maxChunkStoredBytes = (256 << 10) + 4096
        /// Largest request head (request line and headers); more is a JSON 431 and the connection closes.
        public var maxHeaderBytes = 16 << 10
        /// Most digests one `POST /v1/chunks/missing` may name (413 above it); `fleetctl push` sends 10,000 at a time.
        public var maxMissingDigests = 100_000
        /// Failed authentications (401) one address may have a minute; past it every request from it is 429.
        public var authFailuresPerMinute = 30
        /// Device enrollments one address may make a minute (a factory behind one NAT enrolls many); past it, 429.
        public var enrollmentsPerMinute = 120
    }

    /// How long clients may take and how many connections they may hold (`ConnectionDeadlines`, `OpenConnections`).
    public struct Connections: Sendable, Equatable {
        /// A request head must arrive within this many seconds of the connection's start or its first byte.
        public var headerTimeoutSeconds = 10.0
        /// The longest silence while a request body is being read.
        public var bodyTimeoutSeconds = 30.0
        /// The longest silence on a keep-alive connection between requests.
        public var idleTimeoutSeconds = 60.0
        /// Connections beyond this get a JSON 503 and are closed at once. Nil (`auto`): what the process's
        /// file-descriptor limit leaves after a reserve for the database and chunk files (`OpenConnections`).
        public var maxConnections: Int?

        var deadlines: ConnectionDeadlines {
            ConnectionDeadlines(header: amount(headerTimeoutSeconds), bodyProgress: amount(bodyTimeoutSeconds), keepAliveIdle: amount(idleTimeoutSeconds))
        }

        /// Settings are checked to be at most a day, so the nanoseconds fit.
        private func amount(_ seconds: Double) -> TimeAmount {
            .nanoseconds(Int64((seconds * 1e9).rounded()))
        }
    }

    /// Files of the registry's TLS identity; all nil (the embedded default) serves plain HTTP.
    public struct TLS: Sendable, Equatable {
        /// PEM certificate chain (leaf first) and its private key; both or neither.
        public var certificateFile: String?
        public var keyFile: String?
        /// PEM CA certificate(s): when set, a connection must present a client certificate signed by one of them.
        public var clientCAFile: String?
    }

    public var bind = "127.0.0.1:8080"
    public var tls = TLS()
    /// Serve plain HTTP on an address other than loopback (refused otherwise: tokens would cross the network in clear).
    public var insecureHTTP = false
    /// Reverse proxies (exact addresses) whose `X-Forwarded-For` names the client for per-address limits.
    public var trustedProxies: Set<String> = []
    public var dataDirectory = "./registry-data"
    /// Where chunk bytes live: `local` (under the data directory) or an S3 bucket.
    public var chunks = ChunkStoreLocation.local
    /// Endpoint and credentials for `chunks: s3://…`.
    public var s3 = S3Settings()
    /// Chunk GETs with `chunks: s3://…`: streamed through the registry, or redirected to presigned S3 URLs.
    public var chunkDownloads = ChunkDownloads.stream
    /// Where metadata lives: `DATA/registry.sqlite` (the default), or a PostgreSQL database replicas share.
    public var metadata = MetadataLocation.sqlite
    public var checkinIntervalSeconds = 300
    /// Memory for the stored bytes of recently served chunks.
    public var chunkMemoryCacheBytes = 64 << 20
    /// How often the server re-reads and verifies every stored chunk (`modelfleet-registry scrub` on demand).
    public var scrubIntervalSeconds = 86_400
    /// How often the server collects unreferenced chunks (`fleetctl gc` on demand).
    public var gcIntervalSeconds = 3600
    /// How old an unreferenced chunk must be before the periodic collection deletes it: longer than any
    /// push takes between uploading a chunk and committing its version.
    public var gcGraceSeconds = 3600
    /// Per model, the periodic collection removes versions older than the newest N that nothing needs; nil keeps all.
    public var keepVersions: Int?
    public var limits = Limits()
    public var connections = Connections()

    public init() {}

    /// `key` → how to apply a text value. YAML keys are `section.key`; environment variables are
    /// `MODELFLEET_SECTION_KEY`.
    static let settings: [String: @Sendable (inout RegistryConfiguration, String) throws -> Void] = [
        "http.bind": { $0.bind = $1 },
        "http.header_timeout_seconds": { $0.connections.headerTimeoutSeconds = try seconds($1, "http.header_timeout_seconds") },
        "http.body_timeout_seconds": { $0.connections.bodyTimeoutSeconds = try seconds($1, "http.body_timeout_seconds") },
        "http.idle_timeout_seconds": { $0.connections.idleTimeoutSeconds = try seconds($1, "http.idle_timeout_seconds") },
        "http.max_connections": { $0.connections.maxConnections = $1 == "auto" ? nil : try integer($1, "http.max_connections") },
        "http.insecure_http": { $0.insecureHTTP = try boolean($1, "http.insecure_http") },
        "http.trusted_proxies": { $0.trustedProxies = try addresses($1, "http.trusted_proxies") },
        "tls.cert_file": { $0.tls.certificateFile = $1 },
        "tls.key_file": { $0.tls.keyFile = $1 },
        "tls.client_ca_file": { $0.tls.clientCAFile = $1 },
        "storage.data_dir": { $0.dataDirectory = $1 },
        "storage.chunks": { $0.chunks = try ChunkStoreLocation(parsing: $1) },
        "storage.chunk_downloads": { $0.chunkDownloads = try ChunkDownloads(parsing: $1) },
        "s3.endpoint_url": { $0.s3.endpointURL = $1 },
        "s3.access_key_id": { $0.s3.accessKeyID = $1 },
        "s3.secret_access_key": { $0.s3.secretAccessKey = $1 },
        "s3.region": { $0.s3.region = $1 },
        "storage.metadata": { $0.metadata = try metadata($1) },
        "storage.scrub_interval_seconds": { $0.scrubIntervalSeconds = try integer($1, "storage.scrub_interval_seconds") },
        "storage.gc_interval_seconds": { $0.gcIntervalSeconds = try integer($1, "storage.gc_interval_seconds") },
        "storage.gc_grace_seconds": { $0.gcGraceSeconds = try integer($1, "storage.gc_grace_seconds") },
        "storage.keep_versions": { $0.keepVersions = $1 == "all" ? nil : try integer($1, "storage.keep_versions") },
        "devices.checkin_interval_seconds": { $0.checkinIntervalSeconds = try integer($1, "devices.checkin_interval_seconds") },
        "cache.chunk_memory_bytes": { $0.chunkMemoryCacheBytes = try integer($1, "cache.chunk_memory_bytes") },
        "limits.max_manifest_bytes": { $0.limits.maxManifestBytes = try integer($1, "limits.max_manifest_bytes") },
        "limits.max_chunk_bytes": { $0.limits.maxChunkBytes = try integer($1, "limits.max_chunk_bytes") },
        "limits.max_chunk_stored_bytes": { $0.limits.maxChunkStoredBytes = try integer($1, "limits.max_chunk_stored_bytes") },
        "limits.max_header_bytes": { $0.limits.maxHeaderBytes = try integer($1, "limits.max_header_bytes") },
        "limits.max_missing_digests": { $0.limits.maxMissingDigests = try integer($1, "limits.max_missing_digests") },
        "limits.auth_failures_per_minute": { $0.limits.authFailuresPerMinute = try integer($1, "limits.auth_failures_per_minute") },
        "limits.enrollments_per_minute": { $0.limits.enrollmentsPerMinute = try integer($1, "limits.enrollments_per_minute") }
    ]

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// The AWS SDKs' own variables, read as the `s3.` settings they match; `MODELFLEET_S3_*` overrides them.
    static let awsEnvironment = [
        "AWS_ENDPOINT_URL": "s3.endpoint_url", "AWS_ACCESS_KEY_ID": "s3.access_key_id",
        "AWS_SECRET_ACCESS_KEY": "s3.secret_access_key", "AWS_REGION": "s3.region"
    ]

    private static func integer(_ text: String, _ key: String) throws -> Int {
        guard let value = Int(text), value > 0 else { throw Invalid(description: "\(key) must be a positive integer, got '\(text)'") }
        return value
    }

    private static func metadata(_ text: String) throws -> MetadataLocation {
        do { return try MetadataLocation(parsing: text) } catch { throw Invalid(description: error.description) }
    }

    private static func boolean(_ text: String, _ key: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default: throw Invalid(description: "\(key) must be true or false, got '\(text)'")
        }
    }

    /// A comma-separated list of IPv4 or IPv6 addresses (no names: a proxy is trusted by what the socket says).
    private static func addresses(_ text: String, _ key: String) throws -> Set<String> {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for entry in entries where (try? SocketAddress(ipAddress: entry, port: 0)) == nil {
            throw Invalid(description: "\(key) must list IP addresses separated by commas, got '\(entry)'")
        }
        return Set(entries)
    }

    /// A timeout: more than zero, at most a day (fractions allowed, e.g. `0.5`).
    private static func seconds(_ text: String, _ key: String) throws -> Double {
        guard let value = Double(text), value > 0, value <= 86_400 else {
            throw Invalid(description: "\(key) must be a number of seconds above 0 and at most 86400, got '\(text)'")
        }
        return value
    }

    /// Applies a YAML document of `section: {key: value}` mappings. Unknown keys are errors:
    /// a misspelt setting silently ignored is a production incident waiting.
    public mutating func apply(yaml text: String, source: String) throws {
        guard let root = try Yams.compose(yaml: text) else { return }
        guard let sections = root.mapping else { throw Invalid(description: "\(source): expected a mapping of sections") }
        for (sectionNode, body) in sections {
            guard let section = sectionNode.string, let entries = body.mapping else {
                throw Invalid(description: "\(source): section '\(sectionNode.string ?? "?")' must be a mapping")
            }
            for (keyNode, valueNode) in entries {
                let key = "\(section).\(keyNode.string ?? "?")"
                // Errors name the file and the line of the key, as the agent's do.
                let location = keyNode.mark.map { "\(source):\($0.line)" } ?? source
                guard let apply = Self.settings[key] else {
                    throw Invalid(description: "\(location): unknown setting '\(key)' (known: \(Self.settings.keys.sorted().joined(separator: ", ")))")
                }
                guard let value = valueNode.string else { throw Invalid(description: "\(location): '\(key)' must be a scalar") }
                do { try apply(&self, value) } catch let invalid as Invalid { throw Invalid(description: "\(location): \(invalid.description)") }
            }
        }
    }

    /// Applies the AWS variables, then `MODELFLEET_SECTION_KEY` variables for every known setting.
    public mutating func apply(environment: [String: String]) throws {
        for (name, key) in Self.awsEnvironment.sorted(by: { $0.key < $1.key }) {
            if let value = environment[name], let apply = Self.settings[key] { try apply(&self, value) }
        }
        for (key, apply) in Self.settings {
            let name = Self.environmentName(key)
            if let value = environment[name] { try apply(&self, value) }
        }
    }

    /// Applies command-line flags by setting key (nil: the flag was not given), checked as the file's values are.
    public mutating func apply(flags: [String: String?]) throws {
        for (key, value) in flags {
            guard let value else { continue }
            guard let apply = Self.settings[key] else { throw Invalid(description: "unknown setting '\(key)'") }
            try apply(&self, value)
        }
    }

    static func environmentName(_ key: String) -> String {
        "MODELFLEET_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// Defaults ← file (if any) ← environment.
    public static func load(file: String?, environment: [String: String]) throws -> RegistryConfiguration {
        var configuration = RegistryConfiguration()
        if let file {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw Invalid(description: "cannot read configuration file \(file): \(error.localizedDescription)")
            }
            try configuration.apply(yaml: text, source: file)
        }
        try configuration.apply(environment: environment)
        return configuration
    }

    /// `HOST:PORT` split for the listener.
    public var hostAndPort: (host: String, port: Int)? {
        guard let colon = bind.lastIndex(of: ":"), let port = Int(bind[bind.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        return (String(bind[..<colon]), port)
    }
}
