import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Registry

/// `modelfleet-registry [serve]`: runs the HTTP API until Ctrl-C or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the registry's HTTP API (the default subcommand).",
        discussion: """
            Embedded defaults: SQLite metadata and a chunk store on local disk under --data-dir; --metadata \
            postgres://USER:PASSWORD@HOST:PORT/DB keeps the metadata in PostgreSQL instead (migrated at start). On first start it \
            writes an admin token to DATA/admin.token and a device enrollment token to DATA/enroll.token (0600). \
            Settings come from the defaults, then --config (YAML, see server-config/registry.yaml), then \
            MODELFLEET_* environment variables (e.g. MODELFLEET_HTTP_BIND), then these flags. Ctrl-C or SIGTERM shuts down gracefully. \
            A bind address other than loopback needs --tls-cert and --tls-key (or --insecure-http); SIGHUP re-reads the certificate.
            """
    )

    @OptionGroup var settings: SettingsOptions
    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).") var bind: String?
    @Option(help: "Seconds a client has to send a request head (http.header_timeout_seconds).") var headerTimeout: Double?
    @Option(help: "Longest silence, in seconds, while a request body is read (http.body_timeout_seconds).") var bodyTimeout: Double?
    @Option(help: "Longest silence, in seconds, on a keep-alive connection between requests (http.idle_timeout_seconds).") var idleTimeout: Double?
    @Option(help: "Most open connections; more get a 503 and are closed (http.max_connections; default: ulimit -n less 128).") var maxConnections: Int?
    @Option(help: "Largest request head in bytes; more is a 431 (limits.max_header_bytes).") var maxHeaderBytes: Int?
    @Option(help: "PEM certificate chain to serve HTTPS with, leaf first (tls.cert_file); re-read on SIGHUP.") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert (tls.key_file); re-read on SIGHUP.") var tlsKey: String?
    @Option(help: "PEM CA certificate(s): require client certificates signed by them (tls.client_ca_file).") var tlsClientCa: String?
    @Flag(help: "Allow plain HTTP on an address other than loopback, e.g. behind a TLS proxy (http.insecure_http).") var insecureHttp = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"

    func run() async throws {
        var configuration = try settings.load()
        if let bind { configuration.bind = bind }
        try configuration.apply(flags: [
            "http.header_timeout_seconds": headerTimeout.map { "\($0)" }, "http.body_timeout_seconds": bodyTimeout.map { "\($0)" },
            "http.idle_timeout_seconds": idleTimeout.map { "\($0)" }, "http.max_connections": maxConnections.map { "\($0)" },
            "limits.max_header_bytes": maxHeaderBytes.map { "\($0)" }, "tls.cert_file": tlsCert, "tls.key_file": tlsKey,
            "tls.client_ca_file": tlsClientCa, "http.insecure_http": insecureHttp ? "true" : nil
        ])
        var logger = Logger(label: "modelfleet-registry")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        // Before anything is written: a bad certificate or an unprotected bind stops the start with one line.
        let security = try ListenerSecurity(configuration)
        let server = try await RegistryServer.open(configuration: configuration, logger: logger)
        for path in try await server.createInitialTokens() {
            print("created \(path)")
        }
        let dataDirectory = configuration.dataDirectory
        let host = configuration.hostAndPort?.host ?? "?"
        let scheme = security.scheme
        let app = try server.application(logger: logger, security: security) { port in
            // One line a script can wait for, written at once because stdout may be a pipe.
            FileHandle.standardOutput.write(Data("modelfleet-registry listening on \(scheme)://\(host):\(port) (data: \(dataDirectory))\n".utf8))
        }
        try await app.runService()
    }
}
