import ArgumentParser
import Foundation
import Registry

/// `--config` and `--data-dir`, shared by `serve` and `scrub` so both read the same settings.
struct SettingsOptions: ParsableArguments {
    @Option(help: "Configuration file (YAML).") var config: String?
    @Option(help: "Data directory for the SQLite database, the chunk store and the tokens.") var dataDir: String?
    @Option(
        help: """
            Chunk store: local (DATA/chunks) or s3://BUCKET (storage.chunks), reached with AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, \
            AWS_SECRET_ACCESS_KEY and AWS_REGION. The bucket must exist.
            """) var chunks: String?

    /// Defaults ← --config ← AWS_* and MODELFLEET_* environment ← --data-dir and --chunks.
    func load() throws -> RegistryConfiguration {
        var configuration = try RegistryConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        if let dataDir { configuration.dataDirectory = dataDir }
        try configuration.apply(flags: ["storage.chunks": chunks])
        return configuration
    }
}
