import ArgumentParser
import Registry

/// `modelfleet-registry`: serves the fleet's models, devices and rollouts.
@main
struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelfleet-registry",
        abstract: "Store versioned model artifacts, track devices and drive rollouts (HTTP API v1).",
        discussion: "Status: \(RegistryStatus.unavailableReason). Running it exits with status 1."
    )

    @Option(help: "Configuration file (YAML).") var config: String?
    @Option(help: "Data directory for the SQLite database and the chunk store.") var dataDir: String?
    @Option(help: "Address to listen on, HOST:PORT.") var bind: String?

    func run() throws {
        throw NotImplemented(reason: RegistryStatus.unavailableReason)
    }
}

/// An unimplemented command must never look like success: ArgumentParser prints this and exits 1.
struct NotImplemented: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
