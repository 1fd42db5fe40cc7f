import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl push`: publish a model version to the registry, uploading only what it lacks.
struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish a model version: chunk, upload only missing chunks, sign the manifest, commit.",
        discussion: "Re-running an interrupted push uploads only what is still missing."
    )

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var version: ModelVersionOptions
    @Option(help: "Codec and level for new chunks: zlib[:LEVEL], zstd[:LEVEL].") var codec: CodecOption = .init(settings: .standard)
    @Flag(help: "Keep this version out of \"latest\" until a rollout of it completes: push, then create its rollout.") var hold = false
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        let signingKey = try KeyFiles.loadPrivateKey(from: version.key)
        let (inputs, test) = try version.files()
        var publisher = ModelPublisher(registry: try connection.client(), key: signingKey, settings: codec.settings)
        publisher.hold = hold
        let bar = ProgressBar(enabled: !json)
        let summary = try await publisher.push(
            model: version.model, version: try version.semanticVersion, variant: version.variant, files: inputs, selfTest: test,
            requirements: try version.requirements
        ) { event in bar.show(event) }
        bar.finish()
        if json {
            print(try JSONText.encode(summary))
        } else {
            print("pushed \(summary.model) \(summary.version) (\(summary.variant)): \(summary.totalBytes) bytes in \(summary.chunks) chunks")
            print(
                "uploaded \(summary.uploadedChunks) new chunks, \(summary.uploadedBytes) bytes compressed; \(summary.deduplicatedBytes) bytes already on the registry"
            )
            print("manifest \(summary.manifestDigest), \(String(format: "%.2f", summary.seconds)) s")
        }
    }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()

    init(enabled: Bool) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    func show(_ event: ModelPublisher.Progress) {
        guard enabled, case .uploaded(let done, let total, let bytes) = event, total > 0 else { return }
        let width = 30
        let filled = width * done / total
        let line = "\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) chunks, \(bytes / 1024) KiB"
        lock.withLock { FileHandle.standardError.write(Data(line.utf8)) }
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
