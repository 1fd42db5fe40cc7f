import ArgumentParser
import BuildInfo

/// `fleetctl`: the operator's and publisher's command line.
@main
struct Fleetctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleetctl",
        abstract: "Publish models to a ModelFleet registry and query the fleet.",
        discussion: """
            Commands that talk to a registry take --registry URL and --token TOKEN (or --token-file, or the \
            MODELFLEET_REGISTRY and MODELFLEET_TOKEN environment variables). Queries take --json for the registry's JSON answer.
            """,
        version: BuildInfo.versionLine(program: "fleetctl"),
        subcommands: [
            Keys.self, Push.self, Quantize.self, Assign.self, ModelsCommand.self, VersionsCommand.self, RolloutCommand.self, DevicesCommand.self,
            FleetCommand.self, AuditCommand.self, TokensCommand.self, TrustCommand.self, GarbageCollect.self, Chunk.self, ManifestCommand.self, Verify.self
        ]
    )

    /// Accepts the connection options before the subcommand too (`fleetctl --registry URL push …`),
    /// which ArgumentParser alone would reject: they are moved behind the subcommand's own arguments.
    static func main() async {
        await main(Self.movingLeadingConnectionOptions(Array(CommandLine.arguments.dropFirst())))
    }

    static func movingLeadingConnectionOptions(_ arguments: [String]) -> [String] {
        let withValue: Set<String> = ["--registry", "--token", "--token-file"]
        var moved: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if withValue.contains(argument), index + 1 < arguments.count {
                moved += [argument, arguments[index + 1]]
                index += 2
            } else if withValue.contains(where: { argument.hasPrefix($0 + "=") }) {
                moved.append(argument)
                index += 1
            } else {
                break
            }
        }
        return Array(arguments[index...]) + moved
    }
}
