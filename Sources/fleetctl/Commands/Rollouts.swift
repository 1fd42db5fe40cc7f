import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl rollout …`: staged rollouts that stop themselves (fleet scope).
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Start, watch, pause, resume, abort or roll back staged rollouts.",
        subcommands: [
            CreateRollout.self, ListRollouts.self, RolloutStatusCommand.self, PauseRollout.self, ResumeRollout.self,
            AbortRollout.self, RollbackRollout.self, WatchRollout.self
        ]
    )
}

struct CreateRollout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Roll a committed version out to devices matching a selector, stage by stage.",
        discussion: """
            Each stage reaches a fixed, deterministic share of the target. A stage advances once every device in it has \
            reported its install, its soak time has passed and the gates hold; a breached gate pauses the rollout.
            """
    )

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Model name.") var model: String
    @Option(help: "The version to roll out.") var version: String
    @Option(help: "Label selector of the target, e.g. 'type=camera' (empty: every device).") var select: String = ""
    @Option(help: "Cumulative percentages of the target per stage.") var stages: String = "5,25,100"
    @Option(help: "Minimum soak time per stage: 90s, 30m, 2h.") var soak: String = "0"
    @Option(help: "Pause when installs or self-tests fail on more than this share of a stage's devices.") var maxFailure: String = "2%"
    @Option(help: "Pause when p95 latency regresses by more than this vs the previous version (default: no latency gate).") var maxP95Regression: String?
    @Option(help: "Pause when the inference error rate rises by more than this vs the previous version, e.g. 1% (default: no error-rate gate).")
    var maxErrorRateIncrease: String?
    @Option(help: "What a rollback returns devices to (default: the highest version below --version).") var previousVersion: String?
    @Flag(help: "Replace the model's rollout in flight instead of being refused.") var supersede = false

    func run() async throws {
        let stageList = try stages.split(separator: ",").map { text in
            guard let value = Int(text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "%", with: "")) else {
                throw ValidationError("--stages: '\(text)' is not a percentage")
            }
            return value
        }
        let failure = try Spelling.ratio(maxFailure)
        let request = RolloutRequest(
            model: model, version: try SemanticVersion(parsing: version), selector: select, stages: stageList, soakSeconds: try Spelling.seconds(soak),
            gates: RolloutGates(
                maxInstallFailureRatio: failure, maxSelfTestFailureRatio: failure, maxP95Regression: try maxP95Regression.map(Spelling.ratio),
                maxErrorRateIncrease: try maxErrorRateIncrease.map(Spelling.ratio)),
            supersede: supersede ? true : nil, previousVersion: try previousVersion.map(SemanticVersion.init(parsing:))
        )
        try output.show(try await connection.client().createRollout(request)) { "created rollout \($0.rollout.id)\n" + RolloutText.status($0) }
    }
}

struct ListRollouts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List rollouts, newest first.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try output.show(try await connection.client().rollouts()) { answer in
            Table(
                headers: ["ID", "MODEL", "VERSION", "STATE", "STAGE", "TARGET"],
                rows: answer.rollouts.reversed().map { rollout in
                    [
                        rollout.id, rollout.model, rollout.version.description, rollout.state.rawValue,
                        "\(rollout.stage + 1)/\(rollout.stages.count) \(rollout.percent)%", rollout.selector.isEmpty ? "(all)" : rollout.selector
                    ]
                }, shrinkable: [1, 5]
            ).render()
        }
    }
}

struct RolloutStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a rollout: its stage, its devices' health, and why it stands where it does.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Rollout id.") var id: String

    func run() async throws {
        try output.show(try await connection.client().rollout(id: id), RolloutText.status)
    }
}

/// Pause, resume, abort and rollback: one POST each, with the same output.
protocol RolloutActionCommand: AsyncParsableCommand {
    static var action: RolloutAction { get }
    var connection: RegistryOptions { get }
    var output: OutputOptions { get }
    var id: String { get }
}

extension RolloutActionCommand {
    func perform(directive: RollbackDirective? = nil) async throws {
        try output.show(try await connection.client().apply(Self.action, toRollout: id, directive: directive), RolloutText.status)
    }

    func run() async throws { try await perform() }
}

struct PauseRollout: RolloutActionCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop a rollout from advancing; devices reached keep the new version.")
    static let action = RolloutAction.pause
    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Rollout id.") var id: String
}

struct ResumeRollout: RolloutActionCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let a paused rollout advance again (its gates are checked again).")
    static let action = RolloutAction.resume
    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Rollout id.") var id: String
}

struct AbortRollout: RolloutActionCommand {
    static let configuration = CommandConfiguration(commandName: "abort", abstract: "End a rollout where it stands; devices reached keep the new version.")
    static let action = RolloutAction.abort
    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Rollout id.") var id: String
}

struct RollbackRollout: RolloutActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Send every device the rollout reached back to the previous version.",
        discussion: "Agents refuse to downgrade unless a publisher signs it: --key signs a rollback directive for exactly this rollout's versions."
    )
    static let action = RolloutAction.rollback
    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Rollout id.") var id: String
    @Option(help: "The publisher's private key file (the key that signs this model's manifests).") var key: String = "publisher.key"

    func run() async throws {
        let signingKey = try KeyFiles.loadPrivateKey(from: key)
        let current = try await connection.client().rollout(id: id).value.rollout
        guard let previous = current.previousVersion else {
            throw ValidationError("rollout \(id) has no previous version of \(current.model) to roll back to")
        }
        let directive = try RollbackDirective(model: current.model, from: current.version, to: previous, key: signingKey)
        try await perform(directive: directive)
    }
}

/// The human-readable form of a rollout's status.
enum RolloutText {
    static func status(_ status: RolloutStatus) -> String {
        let rollout = status.rollout
        let health = status.health
        let lines = [
            "rollout \(rollout.id): \(rollout.model) \(rollout.version)\(rollout.previousVersion.map { " (from \($0))" } ?? "")",
            Field.line("state", rollout.state.rawValue + (rollout.reason.map { " - \($0)" } ?? "")),
            Field.line("target", rollout.selector.isEmpty ? "(all devices)" : rollout.selector),
            Field.line(
                "stage",
                "\(rollout.stage + 1) of \(rollout.stages.count) (\(rollout.stages.map { "\($0)%" }.joined(separator: " -> "))), soak \(rollout.soakSeconds)s"),
            Field.line(
                "gates",
                "install failures <= \(PercentText.of(rollout.gates.maxInstallFailureRatio)), self-test failures <= \(PercentText.of(rollout.gates.maxSelfTestFailureRatio))"
                    + (rollout.gates.maxP95Regression.map { ", p95 regression <= \(PercentText.of($0))" } ?? "")
                    + (rollout.gates.maxErrorRateIncrease.map { ", error rate +\(PercentText.of($0)) at most" } ?? "")),
            Field.line(
                "devices",
                "\(health.devices) in stage: \(health.installed) installed, \(health.installFailures) install failed, \(health.selfTestFailures) self-test failed, \(health.pending) pending"
                    + (health.incompatible > 0 ? "; \(health.incompatible) fit no variant" : "")),
            Field.line(
                "p95", "\(Spelling.milliseconds(health.p95Milliseconds)) ms (previous version: \(Spelling.milliseconds(health.previousP95Milliseconds)) ms)"),
            Field.line(
                "errors",
                "\(health.errorRate.map(PercentText.of) ?? "-") of requests (previous version: \(health.previousErrorRate.map(PercentText.of) ?? "-"))"),
            Field.line("created", "\(rollout.createdAt) by \(rollout.createdBy)")
        ]
        return lines.joined(separator: "\n")
    }
}
