import ArgumentParser
import Foundation
import Registry

/// `--config`, `--data-dir` and `--metadata`, shared by `serve` and `scrub` so both read the same settings.
struct SettingsOptions: ParsableArguments {
    @Option(help: "Configuration file (YAML).") var config: String?
    @Option(help: "Data directory for the SQLite database, the chunk store and the tokens.") var dataDir: String?
    @Option(
        help: ArgumentHelp(
            "Metadata store: sqlite (DATA/registry.sqlite, the default) or postgres://USER:PASSWORD@HOST:PORT/DB (storage.metadata).",
            valueName: "store"))
    var metadata: String?
    @Option(
        help: """
            Chunk store: local (DATA/chunks) or s3://BUCKET (storage.chunks), reached with AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, \
            AWS_SECRET_ACCESS_KEY and AWS_REGION. The bucket must exist.
            """) var chunks: String?

    /// Defaults ← --config ← AWS_* and MODELFLEET_* environment ← --data-dir, --metadata and --chunks.
    func load() throws -> RegistryConfiguration {
        var configuration = try RegistryConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        if let dataDir { configuration.dataDirectory = dataDir }
        try configuration.apply(flags: ["storage.metadata": metadata, "storage.chunks": chunks])
        return configuration
    }

    /// `backup` and `restore` copy the embedded registry, SQLite and `DATA/chunks`; PostgreSQL and S3 have their own tools.
    func requireEmbeddedStores(_ configuration: RegistryConfiguration, for command: String) throws {
        guard configuration.metadata == .sqlite else {
            throw ValidationError(
                "\(command) copies the embedded SQLite store; with metadata in \(configuration.metadata) use pg_dump/pg_restore for the database and copy the chunks (README: Backup and restore)"
            )
        }
        guard configuration.chunks == .local else {
            throw ValidationError(
                "\(command) copies DATA/chunks; with the chunks in \(configuration.chunks), copy the bucket with your S3 tools (README: Backup and restore)"
            )
        }
    }
}
