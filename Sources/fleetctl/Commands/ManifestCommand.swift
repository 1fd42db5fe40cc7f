import ArgumentParser
import FleetCore
import Foundation

/// `fleetctl manifest`: builds and signs a manifest locally — what `push` will send to a registry.
/// Named `ManifestCommand` so that `Manifest` in fleetctl means FleetCore's manifest, as everywhere else.
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Chunk a model (and its self-test vectors) and write a signed manifest.",
        discussion: "Nothing is uploaded: this shows exactly what a push would commit, and lets a manifest be signed on an offline machine."
    )

    @OptionGroup var version: ModelVersionOptions
    @Option(help: "Where to write the manifest (default: standard output).") var out: String?

    func run() throws {
        let signingKey = try KeyFiles.loadPrivateKey(from: version.key)
        let packer = ArtifactPacker()
        let (inputs, test) = try version.files()
        let files = try inputs.map { try packer.pack(file: $0.localPath, as: $0.manifestPath, mode: $0.mode) }
        let unsigned = Manifest(
            model: version.model, version: try version.semanticVersion, variant: version.variant, files: files,
            selfTest: test, requirements: try version.requirements, createdAt: .now(), publisher: signingKey.publicKey.keyID
        )
        try ManifestValidator.validate(unsigned)
        let bytes = try ManifestCoding.encode(try ManifestSigning.sign(unsigned, with: signingKey))
        if let out {
            try Data(bytes).write(to: URL(fileURLWithPath: out), options: .atomic)
            FileHandle.standardError.write(
                Data(
                    "wrote \(out): \(version.model) \(version.version) (\(version.variant)), \(files.count) file(s), signed by \(signingKey.publicKey.keyID)\n"
                        .utf8))
        } else {
            FileHandle.standardOutput.write(Data(bytes + [0x0a]))
        }
    }
}
