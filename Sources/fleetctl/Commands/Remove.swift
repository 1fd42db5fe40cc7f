import ArgumentParser
import FleetCore
import FleetHTTP

/// `fleetctl devices rm`, `versions rm` and `models rm`: removal, each audited. Versions and models are
/// refused (409, naming what needs them) while an assignment or a rollout in flight uses them, unless --force.

struct RemoveDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Decommission a device: its token stops working at once and it leaves device queries and fleet status.",
        discussion: "Its events and audit lines stay. Its agent stops checking in and says why; to rejoin, it must enroll again.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Device id.") var id: String

    func run() async throws {
        try output.show(try await connection.client().decommission(deviceID: id)) { "decommissioned \($0.deviceID) at \($0.decommissionedAt)" }
    }
}

struct RemoveVersion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a version of a model (every variant, or one with --variant).",
        discussion: "Devices already running it keep running it. Its chunks go at the next gc once no other version uses them.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Model name.") var model: String
    @Argument(help: "Version.") var version: String
    @Option(help: "Remove only this variant.") var variant: String?
    @Flag(help: "Remove it even though an assignment or a rollout in flight needs it (such rollouts are aborted).") var force = false

    func run() async throws {
        let parsed = try SemanticVersion(parsing: version)
        try output.show(try await connection.client().removeVersion(model: model, version: parsed, variant: variant, force: force), RemovedText.text)
    }
}

struct RemoveModel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove a model: every version and its assignments.",
        discussion: "Devices already running it keep running it.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Model name.") var model: String
    @Flag(help: "Remove it even though assignments or rollouts in flight use it (such rollouts are aborted).") var force = false

    func run() async throws {
        try output.show(try await connection.client().removeModel(model, force: force), RemovedText.text)
    }
}

enum RemovedText {
    static func text(_ answer: RemovedVersions) -> String {
        answer.removed.map { "removed \(answer.model) \($0.version) (\($0.variant))" }.joined(separator: "\n")
    }
}
