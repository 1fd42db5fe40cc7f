import ArgumentParser

/// `fleetctl`: the operator's and publisher's command line.
@main
struct Fleetctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleetctl",
        abstract: "Publish models to a ModelFleet registry and query the fleet.",
        discussion: """
        Working now: publisher keys, local chunking and signed manifests (the artifact format).
        Not yet: push, assign, rollouts and fleet queries, which need the registry (issues #3, #4, #6).
        """,
        subcommands: [Keys.self, Chunk.self, Manifest.self, Verify.self]
    )
}
