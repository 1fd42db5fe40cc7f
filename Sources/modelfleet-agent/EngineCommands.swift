import ArgumentParser
import BuildInfo
import FleetCore
import InferenceEngine

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `modelfleet-agent run MODEL.onnx --input name=file.pb ...`: runs a model once with the bundled
/// engine, so results can be compared with other runtimes (`--output-dir` writes `output_N.pb`).
struct RunModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an ONNX model once on TensorProto inputs and print (or save) its outputs.")

    @Argument(help: "The ONNX model file.") var model: String
    @Option(name: .customLong("input"), help: "An input as NAME=FILE.pb (TensorProto), or FILE.pb to use the name stored in the file; repeatable.")
    var inputs: [String] = []
    @Option(help: "Write the outputs as output_N.pb (TensorProto, in the model's output order) into this directory.")
    var outputDir: String?
    @Option(help: "Values printed per output.") var show = 8

    func run() throws {
        let clock = ContinuousClock()
        ProcessMemory.resetPeak()
        let residentBeforeLoad = ProcessMemory.residentBytes()
        let fileBackedBeforeLoad = ProcessMemory.statusField("RssFile")
        let loadStart = clock.now
        let loaded = try engineCall { try Model(contentsOf: model) }
        let loadTime = clock.now - loadStart
        let residentAfterLoad = ProcessMemory.residentBytes()
        let anonymousAfterLoad = ProcessMemory.statusField("RssAnon")
        let peakDuringLoad = ProcessMemory.peakResidentBytes()
        // Code pages the load touched for the first time count in the peak; they are not what the
        // model holds, so the growth of file-backed pages is taken out.
        let loadGrowth = peakDuringLoad - residentBeforeLoad - (ProcessMemory.statusField("RssFile") - fileBackedBeforeLoad)
        let session = InferenceSession(loaded)
        let feeds = try InputFiles.load(inputs, for: loaded)
        let runStart = clock.now
        let outputs = try engineCall { try session.runOrdered(feeds) }
        let runTime = clock.now - runStart
        for (index, tensor) in outputs.enumerated() {
            let name = session.outputNames[index]
            let values = tensor.floatValues().prefix(show).map { Self.format($0) }.joined(separator: ", ")
            print("\(name): \(tensor.elementType) \(tensor.shape) [\(values)\(tensor.count > show ? ", …" : "")]")
            if let outputDir {
                try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
                let path = outputDir + "/output_\(index).pb"
                try Data(tensor.protobufBytes(name: name)).write(to: URL(fileURLWithPath: path))
            }
        }
        print("load_ms=\(Self.milliseconds(loadTime)) run_ms=\(Self.milliseconds(runTime))")
        print(
            "rss_after_load_bytes=\(residentAfterLoad) anon_rss_after_load_bytes=\(anonymousAfterLoad) "
                + "peak_rss_after_load_bytes=\(peakDuringLoad) peak_anon_growth_while_loading_bytes=\(loadGrowth) "
                + "peak_rss_bytes=\(ProcessMemory.peakResidentBytes()) model_file_bytes=\(loaded.summary.fileSize)")
    }

    static func format(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e7 ? String(Int(value)) : String(value)
    }

    static func milliseconds(_ duration: Duration) -> String {
        let ms = duration.seconds * 1000
        return String(Double(Int(ms * 100)) / 100)
    }
}

/// `modelfleet-agent inspect MODEL.onnx`: what a model declares and whether this engine runs it.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a model's inputs, outputs, opsets, operators and parameter count.")

    @Argument(help: "The ONNX model file.") var model: String

    func run() throws {
        let summary = try engineCall { try ModelSummary(contentsOf: model) }
        print("model: \(model) (\(summary.fileSize) bytes, IR \(summary.irVersion)\(summary.producer.isEmpty ? "" : ", from \(summary.producer)"))")
        print("opsets: " + summary.opsets.map { "\($0.domain) \($0.version)" }.joined(separator: ", "))
        for input in summary.inputs { print("input  \(input)") }
        for output in summary.outputs { print("output \(output)") }
        print("parameters: \(summary.parameterCount)")
        let total = summary.operatorHistogram.values.reduce(0, +)
        print("operators: \(total) nodes, \(summary.operatorHistogram.count) types")
        let byCount = summary.operatorHistogram.sorted { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }
        for (op, count) in byCount {
            let padded = op + String(repeating: " ", count: max(1, 28 - op.count))
            print("  \(padded)\(count)")
        }
        do {
            let loaded = try Model(contentsOf: model)
            print("engine \(EngineInfo.version): runs this model; \(loaded.executedNodeCount) nodes run per inference (the rest fold at load)")
        } catch {
            print("engine \(EngineInfo.version): cannot run this model: \(error)")
            throw ExitCode(3)
        }
    }
}

/// Reads `--input` arguments: NAME=FILE.pb, or FILE.pb named by the tensor inside (or, failing
/// that, by the model's next input).
enum InputFiles {
    static func load(_ arguments: [String], for model: Model) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for (position, argument) in arguments.enumerated() {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let path = parts.count == 2 ? parts[1] : argument
            let (fileName, tensor) = try engineCall { try model.input(protobufFile: path, position: position) }
            let name = parts.count == 2 ? parts[0] : fileName
            guard !name.isEmpty else { throw EngineFailure(description: "cannot tell which input \(path) is for: give NAME=\(path)") }
            feeds[name] = tensor
        }
        return feeds
    }
}

/// An engine error as the one line ArgumentParser prints after "Error:" (no usage text: the
/// command line was fine, the model or its inputs were not).
struct EngineFailure: Error, CustomStringConvertible {
    let description: String
}

func engineCall<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as EngineError {
        throw EngineFailure(description: error.description)
    }
}

/// Resident memory of this process, for the memory figures `run` prints.
enum ProcessMemory {
    /// Current resident set (Linux `/proc/self/statm`); 0 where unavailable.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// A size field of `/proc/self/status` in bytes: `RssAnon` is heap and stacks (what a loaded
    /// model itself holds), `RssFile` the binary's and libraries' file-backed pages; 0 where unavailable.
    static func statusField(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    /// Peak resident set since the last `resetPeak` (`VmHWM`), or since start where that is unavailable.
    static func peakResidentBytes() -> Int {
        let peak = statusField("VmHWM")
        if peak > 0 { return peak }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    /// Restarts the peak from the current resident set (Linux: "5" into `/proc/self/clear_refs`),
    /// so a peak measures one phase rather than everything before it.
    static func resetPeak() {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return }
        _ = write(fd, "5", 1)
        close(fd)
    }
}

/// `modelfleet-agent engine`: the bundled engine's version, kernel and the operators it runs
/// (what the agent reports at enrollment so the registry can pick a variant it can run).
struct EngineDescription: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "engine", abstract: "Print the bundled engine's version, kernel and operators.")

    func run() {
        let operators = EngineInfo.supportedOperators
        print("engine \(EngineInfo.version), kernel \(EngineInfo.kernel), int8 kernel \(EngineInfo.integerKernel), \(operators.count) operators:")
        print(operators.joined(separator: " "))
    }
}

extension AgentCommand {
    /// `--version`: the agent links the engine, so it names the engine's own version.
    static var engineAwareVersion: String { BuildInfo.versionLine(program: "modelfleet-agent", engine: EngineInfo.version) }
}
