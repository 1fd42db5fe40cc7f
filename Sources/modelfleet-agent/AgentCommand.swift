import Agent
import ArgumentParser
import BuildInfo
import FleetCore
import FleetHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// `modelfleet-agent`: keeps one device's models in sync with the registry.
@main
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelfleet-agent",
        abstract: "Check in with the registry, pull only missing chunks, verify, self-test, swap atomically, serve inference.",
        discussion: """
            Settings come from --config (agent-config/agent.yaml documents every key), then MODELFLEET_* environment \
            variables (MODELFLEET_REGISTRY, MODELFLEET_ENROLL_TOKEN, MODELFLEET_DATA_DIR, …), then flags. `run` and \
            `inspect` use the bundled ONNX engine on a model file directly, without a registry.
            """,
        version: engineAwareVersion,
        subcommands: [
            Daemon.self, RunModel.self, Inspect.self, Bench.self, Profile.self, EngineDescription.self, Status.self, Rollback.self,
            ConfigCommand.self
        ],
        defaultSubcommand: Daemon.self
    )
}

/// Options every subcommand shares.
struct AgentOptions: ParsableArguments {
    @Option(help: "Configuration file (agent.yaml).") var config: String?
    @Option(help: "Data directory: identity, journal, chunk store, model versions.") var dataDir: String?
    @Option(help: "Registry base URL.") var registry: String?
    @Option(help: "Enrollment token (only needed until the device is enrolled; visible in ps: prefer --enroll-token-file).") var enrollToken: String?
    @Option(help: "File holding the enrollment token (or MODELFLEET_ENROLL_TOKEN, or enroll_token_file: in the config).") var enrollTokenFile: String?
    @Option(help: "Trusted publisher public key (PEM), repeatable.") var trust: [String] = []
    @Option(help: "Root public key (PEM) whose trust documents list the publishers to accept (rotation and revocation).")
    var trustRoot: String?
    @Option(help: "Device labels, e.g. site=eu,type=camera.") var labels: String?
    @Option(help: "Seconds between check-ins (jittered by up to 20%).") var checkinInterval: Int?
    @Option(help: "Download bandwidth cap in bytes per second.") var maxDownloadRate: Int?
    @Option(help: "Disk budget in bytes for everything under the data directory.") var diskBudget: UInt64?
    @Option(help: "Chunk downloads in flight at once (hides link latency; default 8).") var parallelDownloads: Int?
    @Option(help: "Local time window for downloads, HH:MM-HH:MM, repeatable (default: any time).") var downloadWindow: [String] = []
    @Option(help: "Defer downloads and swaps below this battery charge (percent).") var minBattery: Int?
    @Option(help: "File holding the battery charge in percent.") var batteryPath: String?
    @Option(help: "Engine threads per request (default: the physical cores).") var inferenceThreads: Int?
    @Option(help: "Below this battery charge (percent) inference runs in efficiency mode: one thread, small buffers.")
    var efficiencyBelowBattery: Int?
    @Option(help: "Seconds to set up a connection to the registry (default 10).") var connectTimeout: Int?
    @Option(help: "Seconds from sending a request to the first byte of the answer (default 15).") var firstByteTimeout: Int?
    @Option(help: "Seconds a transfer may stall (under 1 byte/s) before it is abandoned (default 30).") var stallTimeout: Int?
    @Option(help: "Seconds one request may keep retrying without progress (default 60).") var retryBudget: Int?
    @Option(help: "Local API address, HOST:PORT (GET /v1/models, POST /v1/models/NAME/infer; default 127.0.0.1:8181).") var listen: String?
    @OptionGroup var tls: RegistryTLSOptions

    /// Flag, else `MODELFLEET_<KEY>`, else the config file's `key`.
    func settings() throws -> AgentSettings {
        let environment = ProcessInfo.processInfo.environment
        let file = try config.map { path in
            try AgentConfigFile(text: try String(contentsOfFile: path, encoding: .utf8), source: path)
        }
        func value(_ flag: String?, _ key: String) -> String? {
            flag ?? environment["MODELFLEET_" + key.uppercased()] ?? file?.scalar(key)
        }
        func number<T: FixedWidthInteger>(_ flag: T?, _ key: String) throws -> T? {
            if let flag { return flag }
            guard let text = value(nil, key) else { return nil }
            guard let parsed = T(text) else { throw ValidationError("\(key) must be a whole number, got '\(text)'") }
            return parsed
        }
        guard let registry = value(registry, "registry") else {
            throw ValidationError("give --registry URL (or MODELFLEET_REGISTRY, or registry: in the config)")
        }
        let keyFiles =
            !trust.isEmpty
            ? trust
            : environment["MODELFLEET_TRUSTED_PUBLISHER_KEYS"]?.split(separator: ",").map(String.init) ?? file?.list("trusted_publisher_keys") ?? []
        let rootFile = value(trustRoot, "trust_root")
        guard !keyFiles.isEmpty || rootFile != nil else {
            throw ValidationError("give --trust-root ROOT.pub or at least one --trust KEY.pub: the agent installs only what a trusted publisher signed")
        }
        func key(_ path: String, _ what: String, _ key: String) throws -> PublisherPublicKey {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                let origin = file.map { " (\(key) at \($0.location(of: key)))" } ?? ""
                throw ValidationError("cannot read the \(what) \(path)\(origin): \(Self.reason(error))")
            }
            return try PublisherPublicKey(pem: text, path: path)
        }
        let keys = try keyFiles.map { try key($0, "trusted publisher key", "trusted_publisher_keys") }
        let root = try rootFile.map { try key($0, "trust root key", "trust_root") }
        var labelMap = file?.map("labels") ?? [:]
        if let text = labels ?? environment["MODELFLEET_LABELS"] {
            labelMap = [:]
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw ValidationError("labels must be k=v pairs separated by commas, got '\(pair)'") }
                labelMap[String(parts[0])] = String(parts[1])
            }
        }
        var transfer = TransferOptions()
        let allowInsecureHTTP = try tls.apply(registry: registry, to: &transfer, value: value)
        if let rate: Int = try number(maxDownloadRate, "max_download_bytes_per_second") { transfer.maxReceiveBytesPerSecond = rate }
        func seconds(_ flag: Int?, _ key: String, into field: WritableKeyPath<TransferOptions, Int>) throws {
            guard let value: Int = try number(flag, key) else { return }
            guard value >= 1 else { throw ValidationError("\(key) must be at least 1 second, got \(value)") }
            transfer[keyPath: field] = value
        }
        try seconds(connectTimeout, "connect_timeout_seconds", into: \.connectTimeoutSeconds)
        try seconds(firstByteTimeout, "first_byte_timeout_seconds", into: \.firstByteTimeoutSeconds)
        try seconds(stallTimeout, "stall_timeout_seconds", into: \.lowSpeedSeconds)
        try seconds(retryBudget, "retry_budget_seconds", into: \.retryBudgetSeconds)
        try seconds(nil, "request_timeout_seconds", into: \.timeoutSeconds)
        var settings = AgentSettings(
            registry: registry, enrollToken: try enrollmentToken(value: value),
            dataDirectory: value(dataDir, "data_dir") ?? "/var/lib/modelfleet", trustedKeys: keys, labels: labelMap,
            checkinIntervalSeconds: try number(checkinInterval, "checkin_interval_seconds") ?? 300,
            diskBudgetBytes: try number(diskBudget, "disk_budget_bytes"), transfer: transfer
        )
        settings.trustRoot = root
        settings.allowInsecureHTTP = allowInsecureHTTP
        if let parallel: Int = try number(parallelDownloads, "parallel_downloads") { settings.parallelDownloads = max(1, parallel) }
        let windows =
            !downloadWindow.isEmpty
            ? downloadWindow
            : environment["MODELFLEET_DOWNLOAD_WINDOWS"]?.split(separator: ",").map(String.init) ?? file?.list("download_windows") ?? []
        settings.policy.downloadWindows = try windows.map(DailyWindow.init(parsing:))
        settings.policy.minimumBatteryPercent = try number(minBattery, "min_battery_percent")
        if let path = value(batteryPath, "battery_capacity_path") { settings.policy.batteryCapacityPath = path }
        settings.inferencePower = InferencePowerPolicy(
            threads: try number(inferenceThreads, "inference_threads").map { max(1, $0) },
            efficiencyBelowBatteryPercent: try number(efficiencyBelowBattery, "efficiency_below_battery_percent"),
            battery: BatteryGauge(path: settings.policy.batteryCapacityPath))
        if let address = value(listen, "listen") { settings.listenAddress = address }
        if let workers: Int = try number(nil, "local_api_workers") { settings.localAPILimits.workers = max(1, workers) }
        if let queued: Int = try number(nil, "local_api_queued_connections") { settings.localAPILimits.queuedConnections = max(1, queued) }
        if let budget: Int = try number(nil, "local_api_large_body_budget_bytes") { settings.localAPILimits.largeBodyBudgetBytes = max(1, budget) }
        return settings
    }
}

extension AgentOptions {
    /// "No such file or directory" rather than a CocoaError dump.
    static func reason(_ error: any Error) -> String {
        if let posix = (error as? CocoaError)?.underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        return "\(error)"
    }

    /// The enrollment token: `--enroll-token`, else the file of `--enroll-token-file`, else
    /// `MODELFLEET_ENROLL_TOKEN`, else the config's `enroll_token_file` or `enroll_token`. A file
    /// keeps the token out of `ps`; its surrounding whitespace (a trailing newline) is dropped.
    func enrollmentToken(value: (String?, String) -> String?) throws -> String? {
        if let enrollToken { return enrollToken }
        let environment = ProcessInfo.processInfo.environment
        let path = enrollTokenFile ?? (environment["MODELFLEET_ENROLL_TOKEN"] == nil ? value(nil, "enroll_token_file") : nil)
        guard let path else { return value(nil, "enroll_token") }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("cannot read the enrollment token file \(path): \(error)")
        }
        let token = text.trimmingWhitespace
        guard !token.isEmpty else { throw ValidationError("the enrollment token file \(path) is empty") }
        return token
    }
}

/// `modelfleet-agent daemon` (the default): enroll once, then check in and sync forever (or once with --once).
struct Daemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Enroll if needed, then check in, sync and serve (the default subcommand).")

    @OptionGroup var options: AgentOptions
    @Flag(help: "Run one check-in and sync, then exit (0 if every model is current).") var once = false

    func run() async throws {
        let settings = try options.settings()
        let engine = try SyncEngine(settings: settings)
        var server: LocalAPIServer?
        if !once {
            let listen = settings.listenAddress
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
                throw ValidationError("--listen must be HOST:PORT, got '\(listen)'")
            }
            let api = engine.localAPI
            server = try LocalAPIServer(host: String(listen[..<colon]), port: port, limits: settings.localAPILimits) { api.handle($0) }
            say("local API on http://\(listen[..<colon]):\(server?.port ?? port)")
        }
        defer { server?.stop() }
        let work = Task { try await loop(engine, settings) }
        let signals = StopSignals.install { name in
            say("\(name): stopping at a clean point (downloads in flight finish; the next start resumes)")
            work.cancel()
            // A transfer that does not finish in time is left: the journal makes any stop resumable.
            Task {
                try? await Task.sleep(for: .seconds(Self.stopDeadlineSeconds))
                say("stopped (a transfer was still in flight after \(Self.stopDeadlineSeconds) s; the next start resumes it)")
                Glibc.exit(0)
            }
        }
        defer { withExtendedLifetime(signals) {} }
        do {
            try await work.value
        } catch is CancellationError {
            say("stopped")
        }
    }

    /// How long a stop waits for transfers in flight (systemd's TimeoutStopSec is 30 s).
    static let stopDeadlineSeconds = 20

    /// Check in, sync, idle; until cancelled (a stop signal) or, with --once, after one round.
    private func loop(_ engine: SyncEngine, _ settings: AgentSettings) async throws {
        while true {
            var failed = false
            var decommissioned: DeviceDecommissioned?
            do {
                for outcome in try await engine.checkInAndSync() {
                    say("\(outcome.model) \(outcome.version): \(describe(outcome))")
                    if case .failed = outcome.result { failed = true }
                    if case .rejected = outcome.result { failed = true }
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch let notice as DeviceDecommissioned {
                decommissioned = notice
            } catch {
                failed = true
                say("check-in failed (will retry; the current models keep serving): \(error)")
            }
            if let decommissioned {
                // Retrying cannot help: say so once, then stop checking in (serving goes on until stopped).
                say(decommissioned.description)
                if once { throw ExitCode(Self.decommissionedExitCode) }
                try await Self.waitForever()
            }
            if once { if failed { throw ExitCode.failure } else { return } }
            // Idle until the next check-in: hand clean code pages back to the device.
            IdleMemory.releaseFileBackedPages()
            let jitter = Double.random(in: 0.8...1.2)
            try await Task.sleep(for: .milliseconds(Int(Double(settings.checkinIntervalSeconds) * 1000 * jitter)))
        }
    }

    /// `--once` on a decommissioned device: distinct from a failed sync (1), so scripts can tell.
    static let decommissionedExitCode: Int32 = 3

    /// Until the process is stopped: a decommissioned device never checks in again.
    static func waitForever() async throws {
        while true { try await Task.sleep(for: .seconds(86_400)) }
    }

    func describe(_ outcome: SyncEngine.Outcome) -> String {
        switch outcome.result {
        case .upToDate: return "up to date"
        case .activated(let test): return "activated (\(outcome.chunksDownloaded) chunks, \(outcome.bytesDownloaded) bytes downloaded; \(Self.describe(test)))"
        case .rejected(let reason): return "rejected before download: \(reason)"
        case .deferred(let reason): return "deferred, current version keeps serving: \(reason)"
        case .failed(let reason): return "failed, previous version still live: \(reason)"
        }
    }

    static func describe(_ test: SelfTestOutcome) -> String {
        switch test {
        case .passed: return "self-test passed"
        case .failed(let reason): return "self-test failed: \(reason)"
        case .skipped(let reason): return "self-test skipped: \(reason)"
        }
    }
}

/// `modelfleet-agent status`: what is live on this device.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the live version of each model.")
    @OptionGroup var options: AgentOptions

    func run() async throws {
        let engine = try SyncEngine(settings: try options.settings())
        for model in await engine.activeModels() { say("\(model.model) \(model.version) (\(model.variant))") }
    }
}

/// `modelfleet-agent rollback MODEL`: make the previous version live again.
struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Swap a model back to its previous version (one rename).")
    @OptionGroup var options: AgentOptions
    @Argument(help: "The model to roll back.") var model: String

    func run() async throws {
        let engine = try SyncEngine(settings: try options.settings())
        say("\(model) is back at \(try await engine.rollback(model: model))")
    }
}

/// Writes a line to standard output at once (it may be a pipe a supervisor reads).
func say(_ line: String) {
    print(line)
    fflush(stdout)
}
