import ArgumentParser
import FleetCore
import InferenceEngine

#if canImport(Glibc)
import Glibc
#endif

/// Inputs for `bench` and `profile`: TensorProto files, or tensors made up from the model's declared
/// shapes (symbolic dimensions given with `--shape NAME=d0,d1,...`, otherwise 1).
struct BenchInputs: ParsableArguments {
    @Option(name: .customLong("input"), help: "An input as NAME=FILE.pb (TensorProto); repeatable.") var files: [String] = []
    @Option(name: .customLong("shape"), help: "Shape of a made-up input, NAME=1,3,48,320 (values uniform in [0, 1), integers 0-255); repeatable.")
    var shapes: [String] = []

    func load(for model: Model) throws -> [String: Tensor] {
        var feeds = try InputFiles.load(files, for: model)
        var requested: [String: [Int]] = [:]
        for text in shapes {
            let parts = text.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let dims = Optional(parts[1].split(separator: ",").compactMap { Int($0) }),
                dims.count == parts[1].split(separator: ",").count
            else {
                throw ValidationError("--shape wants NAME=d0,d1,..., got '\(text)'")
            }
            requested[String(parts[0])] = dims
        }
        // Deterministic inputs, so two bench runs measure the same work.
        var generator = SeededRandom(seed: 42)
        for input in model.inputs where feeds[input.name] == nil {
            guard let type = input.elementType else { throw EngineFailure(description: "input '\(input.name)' has no declared type: give --input") }
            let shape = requested[input.name] ?? (input.shape ?? []).map { $0 ?? 1 }
            let count: Int
            switch CheckedShape.size(shape, elementWidth: type.byteWidth) {
            case .success(let size): count = size.count
            case .failure(let refusal): throw EngineFailure(description: "input '\(input.name)': \(refusal)")
            }
            let values = (0..<count).map { _ in
                type.isFloatingPoint
                    ? Double(generator.next() >> 11) / Double(1 << 53)
                    : Double(generator.next() % 256)
            }
            feeds[input.name] = try engineCall { try Tensor(shape: shape, values: values).converted(to: type) }
        }
        return feeds
    }
}

/// How `bench`, `profile` and `run` set up their session.
struct SessionFlags: ParsableArguments {
    @Option(help: "Threads a run may use (default: the machine's physical cores, \(CPUTopology.physicalCores) here).")
    var threads: Int?
    @Flag(help: "Efficiency mode, as on battery: one thread, small scratch buffers.") var efficiency = false

    var options: SessionOptions {
        efficiency ? .efficient : SessionOptions(threads: threads ?? CPUTopology.physicalCores)
    }
}

/// `modelfleet-agent bench MODEL.onnx`: warm-up, then timed runs; the last line is `median_ms=<value>`.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Time a model's inference: warm-up, then N timed runs (last line: median_ms=…).")

    @Argument(help: "The ONNX model file.") var model: String
    @OptionGroup var inputs: BenchInputs
    @Option(help: "Timed runs.") var runs = 20
    @Option(help: "Warm-up runs (not timed).") var warmup = 3
    @OptionGroup var session: SessionFlags

    func run() throws {
        let clock = ContinuousClock()
        let loadStart = clock.now
        let loaded = try engineCall { try Model(contentsOf: model) }
        let loadTime = clock.now - loadStart
        let options = self.session.options
        let session = InferenceSession(loaded, options)
        let feeds = try inputs.load(for: loaded)
        for _ in 0..<max(0, warmup) { _ = try engineCall { try session.runOrdered(feeds) } }
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = clock.now
            _ = try engineCall { try session.runOrdered(feeds) }
            times.append((clock.now - start).seconds * 1000)
        }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        print(
            "model=\(model) runs=\(times.count) threads=\(options.threads)\(options.efficiency ? " efficiency" : "") kernel=\(EngineInfo.kernel) int8_kernel=\(EngineInfo.integerKernel)"
        )
        print("load_ms=\(RunModel.milliseconds(loadTime))")
        print("min_ms=\(Self.format(times.first ?? 0)) max_ms=\(Self.format(times.last ?? 0))")
        print("peak_rss_bytes=\(ProcessMemory.peakResidentBytes())")
        print("median_ms=\(Self.format(median))")
    }

    static func format(_ value: Double) -> String { String(Double(Int(value * 1000)) / 1000) }
}

/// `modelfleet-agent profile MODEL.onnx`: time per operator type, largest first.
struct Profile: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show where a model's inference time goes, per operator type.")

    @Argument(help: "The ONNX model file.") var model: String
    @OptionGroup var inputs: BenchInputs
    @Option(help: "Profiled runs (after one warm-up run).") var runs = 10
    @OptionGroup var session: SessionFlags

    func run() throws {
        let loaded = try engineCall { try Model(contentsOf: model) }
        let session = InferenceSession(loaded, self.session.options)
        let feeds = try inputs.load(for: loaded)
        _ = try engineCall { try session.runOrdered(feeds) }
        let profile = try engineCall { try session.profile(feeds, runs: runs) }
        let total = profile.totalMilliseconds
        print("op type                       count   total ms   share   ms/run")
        for entry in profile.byTime {
            let name = entry.opType.count > 28 ? String(entry.opType.prefix(28)) : entry.opType
            print(
                Self.pad(name, 28) + Self.pad(String(entry.count / profile.runs), 7, right: true)
                    + Self.pad(Bench.format(entry.totalMilliseconds), 11, right: true)
                    + Self.pad(String(format1(100 * entry.totalMilliseconds / max(total, 1e-9))) + "%", 8, right: true)
                    + Self.pad(Bench.format(entry.totalMilliseconds / Double(profile.runs)), 9, right: true))
        }
        print("total: \(Bench.format(total / Double(profile.runs))) ms per run over \(profile.runs) runs")
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }

    private func format1(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }
}
