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
    @Option(help: "Also publish an int8 variant made from the model (only int8 is supported).") var quantize: String?
    @OptionGroup var quantizing: QuantizeOptions

    func validate() throws {
        if let quantize, quantize != "int8" { throw ValidationError("--quantize takes int8, not '\(quantize)'") }
        if quantize != nil, version.variant == "int8" {
            throw ValidationError("--quantize int8 publishes the int8 variant beside this one; push this one under another --variant")
        }
    }

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
        guard quantize != nil else {
            if json { print(try JSONText.encode(summary)) } else { printSummary(summary) }
            return
        }
        // The float variant is published whatever happens to the int8 one; a variant that is not made says why and
        // the push exits 3, so a script sees it got less than it asked for.
        let outcome = Result { try QuantizedPush(options: quantizing, version: version).prepare() }
        switch outcome {
        case .failure(let refused as Int8Variant.Refused):
            report(QuantizedPushReport(pushed: [summary], int8: .init(published: false, reason: refused.reason)), lines: [])
            FileHandle.standardError.write(Data("int8 variant not published: \(refused.reason)\n".utf8))
            throw ExitCode(3)
        case .failure(let error):
            throw error
        case .success(let prepared):
            defer { try? FileManager.default.removeItem(atPath: prepared.folder) }
            publisher.quantization = prepared.record
            let quantized = try await publisher.push(
                model: version.model, version: try version.semanticVersion, variant: "int8", files: prepared.inputs, selfTest: prepared.selfTest,
                requirements: prepared.requirements)
            let int8 = QuantizedPushReport.Int8(
                published: true, quantization: prepared.record, floatMilliseconds: prepared.latency.float, int8Milliseconds: prepared.latency.int8)
            report(QuantizedPushReport(pushed: [summary, quantized], int8: int8), lines: prepared.lines)
        }
    }

    private func report(_ report: QuantizedPushReport, lines: [String]) {
        if json {
            print((try? JSONText.encode(report)) ?? "{}")
            return
        }
        for summary in report.pushed {
            printSummary(summary)
            if summary.variant == "int8" { for line in lines { print(line) } }
        }
    }

    private func printSummary(_ summary: ModelPublisher.Summary) {
        print("pushed \(summary.model) \(summary.version) (\(summary.variant)): \(summary.totalBytes) bytes in \(summary.chunks) chunks")
        print(
            "uploaded \(summary.uploadedChunks) new chunks, \(summary.uploadedBytes) bytes compressed; \(summary.deduplicatedBytes) bytes already on the registry"
        )
        print("manifest \(summary.manifestDigest), \(String(format: "%.2f", summary.seconds)) s")
    }
}

/// `fleetctl push --quantize int8 --json`: what was pushed, and what became of the int8 variant.
struct QuantizedPushReport: Encodable {
    var pushed: [ModelPublisher.Summary]
    var int8: Int8

    struct Int8: Encodable {
        var published: Bool
        /// Why it was not published.
        var reason: String?
        /// The signed record of what the push measured, as the manifest carries it.
        var quantization: Manifest.Quantization?
        /// Median milliseconds of one run on the first sample, one thread, on the publisher's machine.
        var floatMilliseconds: Double?
        var int8Milliseconds: Double?
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
