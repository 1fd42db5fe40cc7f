import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl devices …`: what runs where, and in what state (fleet scope).
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List devices, show one, set its labels, or decommission it.",
        subcommands: [ListDevices.self, ShowDevice.self, LabelDevice.self, RemoveDevice.self]
    )
}

struct ListDevices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List devices, optionally by selector and state.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Label selector, e.g. 'site=eu,type=camera'.") var select: String?
    @Option(help: "Only devices in this state: \(DeviceState.allCases.map(\.rawValue).joined(separator: ", ")).") var state: String?

    func run() async throws {
        try output.show(try await connection.client().devices(selector: select, state: state)) { answer in
            Table(
                headers: ["ID", "STATE", "SEEN", "MODELS", "LABELS"],
                rows: answer.devices.map { device in
                    [
                        device.id, device.state.rawValue, Spelling.ago(device.lastSeenAt),
                        device.installed.map { "\($0.model) \($0.version)" }.joined(separator: ", "), Labels.text(device.labels)
                    ]
                }, shrinkable: [3, 4]
            ).render() + "\n\(answer.devices.count) device(s)"
        }
    }
}

struct ShowDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one device: labels, profile, what it runs and should run, health per version.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Device id.") var id: String

    func run() async throws {
        try output.show(try await connection.client().device(id: id), DeviceText.detail)
    }
}

struct LabelDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label", abstract: "Set labels on a device (k=v sets, k- removes); other labels are kept."
    )

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Device id.") var id: String
    @Argument(help: "Changes: key=value to set, key- to remove.") var changes: [String]

    func run() async throws {
        let client = try connection.client()
        var labels = try await client.device(id: id).value.device.labels
        for change in changes {
            if change.hasSuffix("-"), !change.contains("=") {
                labels.removeValue(forKey: String(change.dropLast()))
                continue
            }
            let parts = change.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("'\(change)': expected key=value or key-") }
            labels[String(parts[0])] = String(parts[1])
        }
        try output.show(try await client.setLabels(deviceID: id, labels)) { "\($0.device.id): \(Labels.text($0.device.labels))" }
    }
}

enum Labels {
    static func text(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}

enum DeviceText {
    static func detail(_ detail: DeviceDetail) -> String {
        let device = detail.device
        let profile = detail.profile
        var lines = [
            Field.line("device", device.id),
            Field.line("state", device.state.rawValue),
            Field.line("labels", Labels.text(device.labels)),
            Field.line("profile", "\(profile.arch), \(profile.ramBytes >> 20) MiB RAM, engine \(profile.engineVersion)"),
            Field.line("seen", "\(Spelling.ago(device.lastSeenAt)), enrolled \(device.enrolledAt)"),
            Field.line("runs", device.installed.isEmpty ? "-" : device.installed.map { "\($0.model) \($0.version) (\($0.variant))" }.joined(separator: ", ")),
            Field.line(
                "desired",
                detail.desired.isEmpty
                    ? "-" : detail.desired.map { "\($0.model) \($0.version) (\($0.variant))\($0.rollback == nil ? "" : " [rollback]")" }.joined(separator: ", ")
            )
        ]
        for model in detail.incompatible {
            lines.append(Field.line("cannot", "run \(model.model) \(model.version), which it should: \(model.reasons.joined(separator: "; "))"))
        }
        if !detail.health.isEmpty {
            lines.append("")
            lines.append(
                Table(
                    headers: ["MODEL", "VERSION", "INSTALL", "SELF-TEST", "INFER", "ERR", "P95 MS"],
                    rows: detail.health.map { row in
                        [
                            row.model, row.version.description, row.install?.rawValue ?? "-", row.selfTest?.rawValue ?? "-",
                            String(row.inferences), String(row.errors), Spelling.milliseconds(row.latencyP95Milliseconds)
                        ]
                    }
                ).render())
        }
        return lines.joined(separator: "\n")
    }
}
