public import FleetCore
public import InferenceEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads models into the bundled engine, self-tests staged versions, and serves the live ones.
///
/// Hot swap without failing a request: a request takes the loaded model for whatever `current`
/// points at when it starts and keeps that reference to the end. Weights live in memory, not in the
/// version's files, so an in-flight request finishes on the old version even after the swap and the
/// garbage collection that deletes the old files. New requests see the new `current` at once.
public final class InferenceHost: ModelHost, @unchecked Sendable {
    /// One version of a model, ready to run.
    final class Loaded: Sendable {
        let model: String
        let version: SemanticVersion
        /// The resolved `versions/<version>+<variant>` folder: the identity of what is loaded.
        let directory: String
        let session: InferenceSession
        /// The same model in the engine's efficiency mode, for requests on low battery.
        let efficientSession: InferenceSession
        /// Inputs and outputs as the model file declares them (names, element types, shapes).
        let inputs: [InferenceEngine.ModelSummary.ValueDescription]
        let outputs: [InferenceEngine.ModelSummary.ValueDescription]

        init(model: String, version: SemanticVersion, directory: String, compiled: Model, power: InferencePowerPolicy) {
            self.model = model
            self.version = version
            self.directory = directory
            inputs = compiled.inputs
            outputs = compiled.outputs
            session = InferenceSession(compiled, power.fullOptions)
            efficientSession = InferenceSession(compiled, power.efficientOptions)
        }
    }

    private struct Counters {
        var count: UInt64 = 0
        var errors: UInt64 = 0
        var latency = LatencyHistogram()
    }

    private let lock = PThreadMutex()
    private var loaded: [String: Loaded] = [:]
    private var counters: [String: (model: String, version: SemanticVersion, counters: Counters)] = [:]

    /// Full speed or efficiency mode, per request.
    public let power: InferencePowerPolicy

    public init(power: InferencePowerPolicy = InferencePowerPolicy()) {
        self.power = power
    }

    // MARK: Self-test (ModelHost)

    /// Loads the staged version and runs its self-test vectors. A model the engine cannot load fails
    /// the test: a version that cannot serve must never go live.
    public func selfTest(modelDirectory: String, manifest: Manifest) async throws -> SelfTestOutcome {
        guard let file = Self.modelFile(of: manifest) else {
            return .skipped(reason: "the version holds no .onnx file to load")
        }
        let loadedModel: Loaded
        switch Self.load(manifest: manifest, file: file, directory: Self.resolved(modelDirectory), power: power) {
        case .success(let model): loadedModel = model
        case .failure(let error): return .failed(reason: "the engine cannot load \(file): \(error)")
        }
        guard let test = manifest.selfTest else {
            remember(loadedModel)
            return .skipped(reason: "the manifest has no self-test vectors (the model loads)")
        }
        if let failure = Self.runVectors(test, in: modelDirectory, session: loadedModel.session) { return .failed(reason: failure) }
        remember(loadedModel)
        return .passed
    }

    /// Runs each input file set and compares with the expected outputs; nil when all match.
    static func runVectors(_ test: Manifest.SelfTest, in directory: String, session: InferenceSession) -> String? {
        var feeds: [String: Tensor] = [:]
        do {
            for (index, path) in test.inputs.enumerated() {
                let (name, tensor) = try session.model.input(protobufFile: directory + "/" + path, position: index)
                feeds[name] = tensor
            }
            let outputs = try session.runOrdered(feeds)
            guard outputs.count >= test.outputs.count else {
                return "the model has \(outputs.count) outputs, the self-test expects \(test.outputs.count)"
            }
            for (index, path) in test.outputs.enumerated() {
                let expected = try Tensor.load(protobufFile: directory + "/" + path).tensor
                if case .failure(let mismatch) = BackendTestCase.compare(
                    outputs[index], expected, rtol: test.relativeTolerance,
                    atol: test.absoluteTolerance)
                {
                    return "output \(index) (\(session.outputNames[index])) differs from \(path): \(mismatch.reason)"
                }
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: Serving

    public enum InferenceFailure: Error, Equatable {
        case notLive(String)
        case cannotLoad(String)
        case rejected(String)
    }

    /// What one request ran on, and what came out.
    public struct Result: Sendable {
        public var model: String
        public var version: SemanticVersion
        public var outputs: [(name: String, tensor: Tensor)]
        public var milliseconds: Double
        /// Whether the request ran in the engine's efficiency mode (low battery).
        public var efficiencyMode: Bool
    }

    /// Runs `model`'s live version on `inputs`. `currentDirectory` is the model's `current` link.
    func infer(model: String, currentDirectory: String, inputs: [String: Tensor]) -> Swift.Result<Result, InferenceFailure> {
        let serving: Loaded
        switch live(model: model, currentDirectory: currentDirectory) {
        case .success(let model): serving = model
        case .failure(let failure): return .failure(failure)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let efficiencyMode = power.prefersEfficiency()
        let session = efficiencyMode ? serving.efficientSession : serving.session
        let outcome = Swift.Result { try session.runOrdered(inputs) }
        let elapsed = clock.now - start
        let microseconds = elapsed.seconds * 1e6
        record(serving, microseconds: microseconds, failed: (try? outcome.get()) == nil)
        switch outcome {
        case .success(let tensors):
            return .success(
                Result(
                    model: model, version: serving.version,
                    outputs: zip(session.outputNames, tensors).map { ($0, $1) },
                    milliseconds: microseconds / 1000, efficiencyMode: efficiencyMode))
        case .failure(let error):
            return .failure(.rejected("\(error)"))
        }
    }

    /// What the live version of `model` takes and gives, loading it if it is not loaded yet.
    public struct Signature: Sendable {
        public var version: SemanticVersion
        public var inputs: [InferenceEngine.ModelSummary.ValueDescription]
        public var outputs: [InferenceEngine.ModelSummary.ValueDescription]
    }

    func signature(model: String, currentDirectory: String) -> Swift.Result<Signature, InferenceFailure> {
        live(model: model, currentDirectory: currentDirectory).map { Signature(version: $0.version, inputs: $0.inputs, outputs: $0.outputs) }
    }

    /// The loaded version `current` points at, loading it on first use. A swap can land between
    /// resolving the link and loading: then the link is resolved again rather than failing the request.
    private func live(model: String, currentDirectory: String) -> Swift.Result<Loaded, InferenceFailure> {
        var failure = InferenceFailure.notLive(model)
        for _ in 0..<3 {
            let target = Self.resolved(currentDirectory)
            if let cached = lock.withLock({ loaded[model] }), cached.directory == target { return .success(cached) }
            guard let manifest = Self.manifest(in: target), let file = Self.modelFile(of: manifest) else {
                failure = .notLive(model)
                continue
            }
            switch Self.load(manifest: manifest, file: file, directory: target, power: power) {
            case .success(let fresh):
                remember(fresh)
                return .success(fresh)
            case .failure(let error):
                failure = .cannotLoad("\(error)")
            }
        }
        return .failure(failure)
    }

    /// Requests served per model version since the agent started, with latency percentiles,
    /// for the check-in (the registry gates rollouts on them).
    public func statistics() -> [InferenceStats] {
        lock.withLock {
            counters.values.map { entry in
                InferenceStats(
                    model: entry.model, version: entry.version, count: entry.counters.count, errors: entry.counters.errors,
                    latencyP50Milliseconds: entry.counters.latency.percentileMilliseconds(0.5),
                    latencyP95Milliseconds: entry.counters.latency.percentileMilliseconds(0.95))
            }.sorted { ($0.model, $0.version.description) < ($1.model, $1.version.description) }
        }
    }

    /// The counters as the journal stores them.
    func snapshot() -> [Journal.StatsRecord] {
        lock.withLock {
            counters.values.map {
                Journal.StatsRecord(
                    model: $0.model, version: $0.version, count: $0.counters.count,
                    errors: $0.counters.errors, latency: $0.counters.latency.encoded)
            }
        }
    }

    /// Counters saved before a restart: what was served stays counted until the registry hears it.
    func restore(_ records: [Journal.StatsRecord]) {
        lock.withLock {
            for record in records {
                counters["\(record.model)@\(record.version)"] = (
                    record.model, record.version,
                    Counters(count: record.count, errors: record.errors, latency: LatencyHistogram(encoded: record.latency))
                )
            }
        }
    }

    // MARK: Helpers

    private func remember(_ model: Loaded) {
        lock.withLock { loaded[model.model] = model }
    }

    private func record(_ model: Loaded, microseconds: Double, failed: Bool) {
        lock.withLock {
            let key = "\(model.model)@\(model.version)"
            var entry = counters[key] ?? (model.model, model.version, Counters())
            entry.counters.count += 1
            if failed { entry.counters.errors += 1 } else { entry.counters.latency.record(microseconds: microseconds) }
            counters[key] = entry
        }
    }

    /// The file the engine serves: the self-test's model, else the version's only `.onnx` file.
    static func modelFile(of manifest: Manifest) -> String? {
        if let named = manifest.selfTest?.model { return named }
        let candidates = manifest.files.map(\.path).filter { $0.hasSuffix(".onnx") }
        return candidates.count == 1 ? candidates[0] : nil
    }

    private static func load(manifest: Manifest, file: String, directory: String, power: InferencePowerPolicy) -> Swift.Result<Loaded, EngineError> {
        Swift.Result { () throws(EngineError) -> Loaded in
            let model = try Model(contentsOf: directory + "/" + file)
            return Loaded(model: manifest.model, version: manifest.version, directory: directory, compiled: model, power: power)
        }
    }

    private static func manifest(in directory: String) -> Manifest? {
        guard let file = try? ReadOnlyFile(path: directory + "/manifest.json"),
            let data = try? file.read(count: Int(file.size), at: 0)
        else { return nil }
        return try? ManifestCoding.decode(data).manifest
    }

    /// The real path behind `current`, so two requests agree on which version they mean.
    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }
}
