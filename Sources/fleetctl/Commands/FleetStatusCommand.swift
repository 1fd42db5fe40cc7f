import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl fleet status`: versions by share of devices, health per version, rollouts in flight.
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fleet", abstract: "Fleet-wide views.", subcommands: [FleetStatusCommand.self])
}

struct FleetStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "What runs where, how healthy it is, and which rollouts are in flight.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try output.show(try await connection.client().fleetStatus()) { status in
            let states = status.states.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            var text = "\(status.devices) device(s)\(states.isEmpty ? "" : ": " + states)\n\n"
            text += Table(
                headers: ["MODEL", "VERSION", "DEVICES", "VARIANTS", "SHARE", "FAIL", "SELFTEST", "INFER", "ERR", "P95 MS"],
                rows: status.versions.map { row in
                    [
                        row.model, row.version.description, String(row.devices),
                        (row.variants ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                        PercentText.of(row.share), String(row.installFailures),
                        String(row.selfTestFailures), String(row.inferences), String(row.errors), Spelling.milliseconds(row.p95Milliseconds)
                    ]
                }
            ).render()
            text += "\n\nrollouts in flight: " + (status.rollouts.isEmpty ? "none" : "")
            for rollout in status.rollouts {
                text +=
                    "\n  \(rollout.id)  \(rollout.model) \(rollout.version)  \(rollout.state.rawValue)  stage \(rollout.stage + 1)/\(rollout.stages.count) (\(rollout.percent)%)"
                if let reason = rollout.reason { text += "\n" + Field.line("", reason) }
            }
            return text
        }
    }
}
