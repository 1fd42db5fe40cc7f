import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl models …`: what the registry holds (read scope).
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List models, show one model's versions, or remove a model.",
        subcommands: [ListModels.self, ShowModel.self, RemoveModel.self])
}

struct ListModels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List models with their latest version and variants.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try output.show(try await connection.client().models()) { answer in
            Table(
                headers: ["MODEL", "LATEST", "VERSIONS", "VARIANTS"],
                rows: answer.models.map { model in
                    [model.name, model.latest?.description ?? "-", String(model.versions), model.variants.joined(separator: ",")]
                }
            ).render()
        }
    }
}

struct ShowModel: AsyncParsableCommand {
    /// The worst output's deviation from the source variant, e.g. `0.0123` (relative RMS) or `1.2%` (labels that
    /// differ); `-` for a variant pushed as it is.
    static func quantizationError(_ quantization: Manifest.Quantization?) -> String {
        guard let worst = quantization?.worst else { return "-" }
        return worst.measure == "mismatched_fraction" ? String(format: "%.1f%%", worst.value * 100) : String(format: "%.4f", worst.value)
    }

    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a model's versions and variants, newest first.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Model name.") var model: String

    func run() async throws {
        try output.show(try await connection.client().versions(of: model)) { answer in
            Table(
                headers: ["VERSION", "VARIANT", "MODEL", "STORED", "QUANT ERR", "COMMITTED", "MANIFEST"],
                rows: answer.versions.map { version in
                    [
                        version.version.description, version.variant, ByteCountText.of(version.modelSize ?? version.totalSize),
                        ByteCountText.of(version.storedSize), Self.quantizationError(version.quantization),
                        version.committedAt.description, version.manifestDigest.description
                    ]
                }, shrinkable: [1, 6]
            ).render()
        }
    }
}

/// `fleetctl versions diff NAME A B`: what moving devices from A to B costs in downloads (and `versions rm`).
struct VersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions", abstract: "Compare or remove versions of a model.", subcommands: [DiffVersions.self, RemoveVersion.self])
}

struct DiffVersions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Bytes a device holding version A must download to get version B, per variant.",
        discussion: "A device fetches only chunks it does not hold; unchanged tensors keep their chunks across versions."
    )

    @OptionGroup var connection: RegistryOptions
    @Flag(help: "Print the result as JSON.") var json = false
    @Argument(help: "Model name.") var model: String
    @Argument(help: "The version devices hold.") var from: String
    @Argument(help: "The version they would move to.") var to: String

    struct Row: Encodable {
        var variant: String
        /// Nil when A has no such variant: a device gets B's variant whole.
        var fromVariantPresent: Bool
        var transfer: Transfer
    }

    func run() async throws {
        let client = try connection.client()
        let old = try SemanticVersion(parsing: from)
        let new = try SemanticVersion(parsing: to)
        let versions = try await client.versions(of: model).value.versions
        let targets = versions.filter { $0.version == new }.map(\.variant).sorted()
        guard !targets.isEmpty else { throw ValidationError("\(model) has no version \(new)") }
        guard versions.contains(where: { $0.version == old }) else { throw ValidationError("\(model) has no version \(old)") }
        var rows: [Row] = []
        for variant in targets {
            let target = try ManifestCoding.decode(try await client.manifest(model: model, version: new, variant: variant)).manifest
            let held =
                versions.contains { $0.version == old && $0.variant == variant }
                ? [try ManifestCoding.decode(try await client.manifest(model: model, version: old, variant: variant)).manifest] : []
            rows.append(Row(variant: variant, fromVariantPresent: !held.isEmpty, transfer: Transfer(to: target, holding: held)))
        }
        if json {
            print(try JSONText.encode(rows))
            return
        }
        print("\(model) \(old) -> \(new)")
        print(
            Table(
                headers: ["VARIANT", "DOWNLOAD", "OF", "SHARE", "CHUNKS"],
                rows: rows.map { row in
                    let share = row.transfer.totalStoredBytes == 0 ? 0 : Double(row.transfer.storedBytes) / Double(row.transfer.totalStoredBytes)
                    return [
                        row.variant + (row.fromVariantPresent ? "" : " (new)"), ByteCountText.of(UInt64(row.transfer.storedBytes)),
                        ByteCountText.of(UInt64(row.transfer.totalStoredBytes)), PercentText.of(share), "\(row.transfer.chunks)/\(row.transfer.totalChunks)"
                    ]
                }
            ).render())
    }
}
