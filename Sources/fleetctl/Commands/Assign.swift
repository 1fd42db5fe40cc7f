import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl assign`: say what devices whose labels match should run (fleet scope).
struct Assign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say which model (and version) devices matching a label selector should run.",
        discussion: "Without --version, devices get the latest committed version. The most specific matching selector wins."
    )

    @OptionGroup var connection: RegistryOptions
    @Argument(help: "Model name.") var model: String
    @Option(help: "Pin a version (default: always the latest).") var version: String?
    @Option(help: "Pin a variant (default: fp32, or the only one).") var variant: String?
    @Option(help: "Label selector, e.g. 'site=eu,type=camera' (empty: every device).") var select: String = ""

    func run() async throws {
        let request = AssignmentRequest(model: model, selector: select, version: try version.map(SemanticVersion.init(parsing:)), variant: variant)
        try await connection.client().assign(request)
        print("devices matching '\(select)' now run \(model) \(version ?? "(latest)")\(variant.map { " (\($0))" } ?? "")")
    }
}
