import ArgumentParser
import BuildInfo

/// `modelfleet-registry`: serves the fleet's models, devices and assignments (HTTP API v1); `scrub`
/// verifies the stored chunks; `backup` and `restore` copy the embedded registry. Without a subcommand it serves, as it always has.
@main
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelfleet-registry",
        abstract: "Store versioned model artifacts, track devices and say what each should run (HTTP API v1).",
        version: BuildInfo.versionLine(program: "modelfleet-registry"),
        subcommands: [Serve.self, Scrub.self, Backup.self, Restore.self],
        defaultSubcommand: Serve.self
    )
}
