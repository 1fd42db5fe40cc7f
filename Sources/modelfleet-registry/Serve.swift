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
            Embedded defaults: SQLite metadata and a chunk store on local disk under --data-dir. On first start it \
            writes an admin token to DATA/admin.token and a device enrollment token to DATA/enroll.token (0600). \
            Settings come from the defaults, then --config (YAML, see server-config/registry.yaml), then \
            MODELFLEET_* environment variables (e.g. MODELFLEET_HTTP_BIND), then these flags. Ctrl-C or SIGTERM shuts down gracefully.
            """
    )

    @OptionGroup var settings: SettingsOptions
    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).") var bind: String?
    @Option(help: "Seconds a client has to send a request head (http.header_timeout_seconds).") var headerTimeout: Double?
    @Option(help: "Longest silence, in seconds, while a request body is read (http.body_timeout_seconds).") var bodyTimeout: Double?
    @Option(help: "Longest silence, in seconds, on a keep-alive connection between requests (http.idle_timeout_seconds).") var idleTimeout: Double?
    @Option(help: "Most open connections; more get a 503 and are closed (http.max_connections; default: ulimit -n less 128).") var maxConnections: Int?
    @Option(help: "Largest request head in bytes; more is a 431 (limits.max_header_bytes).") var maxHeaderBytes: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"

    func run() async throws {
        var configuration = try settings.load()
        if let bind { configuration.bind = bind }
        try configuration.apply(flags: [
            "http.header_timeout_seconds": headerTimeout.map { "\($0)" }, "http.body_timeout_seconds": bodyTimeout.map { "\($0)" },
            "http.idle_timeout_seconds": idleTimeout.map { "\($0)" }, "http.max_connections": maxConnections.map { "\($0)" },
            "limits.max_header_bytes": maxHeaderBytes.map { "\($0)" }
        ])
        var logger = Logger(label: "modelfleet-registry")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let server = try RegistryServer(configuration: configuration)
        for path in try await server.createInitialTokens() {
            print("created \(path)")
        }
        let dataDirectory = configuration.dataDirectory
        let host = configuration.hostAndPort?.host ?? "?"
        let app = try server.application(logger: logger) { port in
            // One line a script can wait for, written at once because stdout may be a pipe.
            FileHandle.standardOutput.write(Data("modelfleet-registry listening on http://\(host):\(port) (data: \(dataDirectory))\n".utf8))
        }
        try await app.runService()
    }
}
