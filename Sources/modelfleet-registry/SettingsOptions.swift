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

    /// Defaults ← --config ← MODELFLEET_* environment ← --data-dir, --metadata.
    func load() throws -> RegistryConfiguration {
        var configuration = try RegistryConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        if let dataDir { configuration.dataDirectory = dataDir }
        try configuration.apply(flags: ["storage.metadata": metadata])
        return configuration
    }

    /// `backup` and `restore` copy the embedded SQLite store; PostgreSQL has its own tools.
    func requireEmbeddedMetadata(_ configuration: RegistryConfiguration, for command: String) throws {
        guard configuration.metadata == .sqlite else {
            throw ValidationError(
                "\(command) copies the embedded SQLite store; with metadata in \(configuration.metadata) use pg_dump/pg_restore for the database and copy DATA/chunks"
            )
        }
    }
}
