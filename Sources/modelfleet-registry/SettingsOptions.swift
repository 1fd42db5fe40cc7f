import ArgumentParser
import Foundation
import Registry

/// `--config` and `--data-dir`, shared by `serve` and `scrub` so both read the same settings.
struct SettingsOptions: ParsableArguments {
    @Option(help: "Configuration file (YAML).") var config: String?
    @Option(help: "Data directory for the SQLite database, the chunk store and the tokens.") var dataDir: String?

    /// Defaults ← --config ← MODELFLEET_* environment ← --data-dir.
    func load() throws -> RegistryConfiguration {
        var configuration = try RegistryConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        if let dataDir { configuration.dataDirectory = dataDir }
        return configuration
    }
}
