import Agent
import ArgumentParser

/// `modelfleet-agent`: keeps one device's models in sync and serves inference.
@main
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelfleet-agent",
        abstract: "Check in with the registry, pull only missing chunks, verify, swap atomically, serve inference.",
        discussion: "Status: \(AgentStatus.unavailableReason). Running it exits with status 1."
    )

    @Option(help: "Configuration file (YAML).") var config: String?
    @Option(help: "Data directory for the journal and the chunk store.") var dataDir: String?
    @Option(help: "Registry base URL.") var registry: String?

    func run() throws {
        throw NotImplemented(reason: AgentStatus.unavailableReason)
    }
}

/// An unimplemented command must never look like success: ArgumentParser prints this and exits 1.
struct NotImplemented: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
