import FleetCore
import FleetHTTP
import InferenceEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Keeps one device in sync: check in, then for each model the registry wants here, verify the signed
/// manifest, pull only the chunks the device lacks, verify, stage, self-test, swap, report.
///
/// Every step is journalled before the next begins; the chunk store keeps every verified chunk, so a
/// restart after a crash at any point re-downloads nothing it already verified.
public actor SyncEngine {
    /// What one sync of one model did.
    public struct Outcome: Sendable, Equatable {
        public enum Result: Sendable, Equatable {
            case upToDate
            case activated(selfTest: SelfTestOutcome)
            case rejected(reason: String)
            /// Waiting for a download window or more battery; the live version keeps serving.
            case deferred(reason: String)
            case failed(reason: String)
        }
        public var model: String
        public var version: SemanticVersion
        public var result: Result
        /// Bytes received over the wire for this model's chunks.
        public var bytesDownloaded: Int
        public var chunksDownloaded: Int
    }

    let settings: AgentSettings
    /// Runs self-tests before a swap; the engine-backed `inference` host unless a test substitutes one.
    let host: any ModelHost
    /// Serves the live models and counts what it served.
    public nonisolated let inference: InferenceHost
    let journal: Journal
    let chunks: LocalChunkStore
    let installer: Installer
    let http: HTTPClient
    private var identity: DeviceIdentity?

    public init(settings: AgentSettings, host: (any ModelHost)? = nil) throws {
        self.settings = settings
        let inference = InferenceHost(power: settings.inferencePower)
        self.inference = inference
        self.host = host ?? inference
        let data = settings.dataDirectory
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        journal = try Journal(path: data + "/journal.sqlite")
        chunks = try LocalChunkStore(root: data + "/chunks")
        installer = Installer(root: data + "/models", chunks: chunks)
        http = HTTPClient(options: settings.transfer)
        inference.restore((try? journal.loadStats()) ?? [])
    }

    /// The device's identity, enrolling on first use.
    public func enroll() async throws -> DeviceIdentity {
        if let identity { return identity }
        let profile = DeviceIdentity.profile(labels: settings.labels, dataDirectory: settings.dataDirectory,
                                             engineVersion: EngineInfo.version, supportedOps: EngineInfo.supportedOperators)
        let enrolled = try await DeviceIdentity.enrollIfNeeded(directory: settings.dataDirectory, registry: settings.registry,
                                                               enrollToken: settings.enrollToken, profile: profile, http: http)
        identity = enrolled
        return enrolled
    }

    func client() async throws -> RegistryClient {
        RegistryClient(baseURL: settings.registry, token: try await enroll().token, http: http, retrying: true)
    }

    /// One cycle: report queued events, check in, sync every desired model, report again.
    public func checkInAndSync() async throws -> [Outcome] {
        // Saved first, so what was served while offline survives a restart until a check-in reports it.
        try journal.saveStats(inference.snapshot())
        let identity = try await enroll()
        let registry = try await client()
        try await flushEvents(registry, deviceID: identity.deviceID)
        let installed = installer.activeModels().map { InstalledModel(model: $0.manifest.model, version: $0.manifest.version, variant: $0.manifest.variant) }
        let installs = ((try? journal.syncs()) ?? []).compactMap(\.installReport)
        let answer = try await registry.checkin(deviceID: identity.deviceID,
                                                CheckinRequest(installed: installed, state: "idle", stats: inference.statistics(), installs: installs))
        var outcomes: [Outcome] = []
        for desired in answer.desired {
            outcomes.append(await sync(desired, registry: registry))
        }
        try await flushEvents(registry, deviceID: identity.deviceID)
        return outcomes
    }

    /// Installed models, for `status`.
    public func activeModels() -> [(model: String, version: SemanticVersion, variant: String)] {
        installer.activeModels().map { ($0.manifest.model, $0.manifest.version, $0.manifest.variant) }
    }

    /// The local API over this engine's installed models.
    public nonisolated var localAPI: LocalAPI { LocalAPI(installer: installer, host: inference) }

    public func rollback(model: String) throws -> SemanticVersion {
        let live = try installer.rollback(model: model)
        try journal.enqueue(DeviceEvent(kind: "rollback", model: model, version: live.manifest.version, result: "ok",
                                        message: "operator rolled back to \(live.manifest.version)", at: .now()))
        return live.manifest.version
    }

    private func sync(_ desired: DesiredModel, registry: RegistryClient) async -> Outcome {
        var outcome = Outcome(model: desired.model, version: desired.version, result: .upToDate, bytesDownloaded: 0, chunksDownloaded: 0)
        let current = installer.active(desired.model)
        if current?.digest == desired.manifestDigest { return outcome }
        // A manifest whose self-test failed here fails the same way again: wait for a new one.
        if let last = try? journal.sync(for: desired.model), last.manifestDigest == desired.manifestDigest,
           last.phase == .failed, last.detail.hasPrefix("self-test failed") {
            outcome.result = .failed(reason: last.detail + " (not retried until the registry offers another version)")
            return outcome
        }
        switch await fetchVerified(desired, registry: registry, current: current) {
        case let .failure(reason):
            outcome.result = .rejected(reason: reason.description)
            record(desired, .failed, reason.description, event: "rejected")
            return outcome
        case let .success(verified):
            if let reason = settings.policy.deferral() {
                outcome.result = .deferred(reason: reason)
                record(desired, .planned, reason, event: "deferred", result: "deferred")
                return outcome
            }
            let result = await install(verified, registry: registry, outcome: &outcome)
            outcome.result = result
            return outcome
        }
    }

    /// The manifest the registry points at, accepted only if a trusted publisher signed it, it is the
    /// one the check-in named, and it does not move the device to a lower version.
    private func fetchVerified(_ desired: DesiredModel, registry: RegistryClient, current: Installer.Active?) async -> Result<VerifiedManifest, SyncRejection> {
        let bytes: [UInt8]
        switch await Self.attempt({ try await registry.send("GET", desired.manifestPath).body }) {
        case let .success(body): bytes = body
        case let .failure(error): return .failure(SyncRejection(description: "cannot fetch the manifest: \(error)"))
        }
        return Self.check(bytes, desired: desired, current: current, trust: TrustedPublishers(settings.trustedKeys))
    }

    static func check(_ bytes: [UInt8], desired: DesiredModel, current: Installer.Active?, trust: TrustedPublishers) -> Result<VerifiedManifest, SyncRejection> {
        let verified: VerifiedManifest
        do { verified = try trust.verify(bytes) } catch { return .failure(SyncRejection(description: "\(error)")) }
        let manifest = verified.manifest
        guard verified.digest == desired.manifestDigest, manifest.model == desired.model, manifest.version == desired.version else {
            return .failure(SyncRejection(description: "the registry served \(manifest.model) \(manifest.version) (\(verified.digest)), not the \(desired.model) \(desired.version) (\(desired.manifestDigest)) it asked for"))
        }
        if let current, manifest.version < current.manifest.version,
           let refusal = downgradeRefusal(desired.rollback, model: manifest.model, from: current.manifest.version, to: manifest.version, trust: trust) {
            return .failure(SyncRejection(description: refusal))
        }
        return .success(verified)
    }

    /// Why going from `from` down to `to` is refused, or nil when a trusted publisher signed exactly that rollback.
    static func downgradeRefusal(_ directive: RollbackDirective?, model: String, from: SemanticVersion, to: SemanticVersion, trust: TrustedPublishers) -> String? {
        guard let directive else { return "version \(to) is lower than the active \(from); a downgrade needs a signed rollback" }
        guard directive.model == model, directive.fromVersion == from, directive.toVersion == to else {
            return "the rollback directive is for \(directive.model) \(directive.fromVersion) -> \(directive.toVersion), not \(model) \(from) -> \(to)"
        }
        do { try trust.verify(directive) } catch { return "rollback directive refused: \(error)" }
        return nil
    }

    private func install(_ verified: VerifiedManifest, registry: RegistryClient, outcome: inout Outcome) async -> Outcome.Result {
        let manifest = verified.manifest
        let desired = DesiredModel(model: manifest.model, version: manifest.version, variant: manifest.variant, manifestDigest: verified.digest, manifestPath: "")
        record(desired, .planned, "")
        var needed: [Digest: Manifest.Chunk] = [:]
        for chunk in manifest.files.flatMap(\.chunks) where !chunks.contains(chunk.digest) { needed[chunk.digest] = chunk }
        if let refusal = diskRefusal(for: Array(needed.values), manifest: manifest) {
            record(desired, .failed, refusal, event: "deferred")
            return .failed(reason: refusal)
        }
        let fetched = await Self.downloadAll(needed.values.sorted(by: { $0.digest < $1.digest }), registry: registry,
                                             store: chunks, parallel: settings.parallelDownloads)
        outcome.bytesDownloaded += fetched.bytes
        outcome.chunksDownloaded += fetched.chunks
        if let failure = fetched.failure {
            record(desired, .failed, failure, event: "install")
            return .failed(reason: failure)
        }
        record(desired, .downloaded, "")
        let staged: String
        do { staged = try installer.stage(verified) } catch {
            record(desired, .failed, "\(error)", event: "install")
            return .failed(reason: "\(error)")
        }
        record(desired, .staged, "")
        let test: SelfTestOutcome
        switch await Self.attempt({ try await self.host.selfTest(modelDirectory: staged, manifest: manifest) }) {
        case let .success(result): test = result
        case let .failure(error): test = .failed(reason: "\(error)")
        }
        if case let .failed(reason) = test {
            record(desired, .failed, "self-test failed: \(reason)", event: "install")
            return .failed(reason: "self-test failed: \(reason)")
        }
        do { try installer.activate(model: manifest.model, versionDirectory: staged) } catch {
            record(desired, .failed, "\(error)", event: "install")
            return .failed(reason: "\(error)")
        }
        // Only the live version and the rollback target stay on disk, with the chunks they use.
        installer.collectGarbage(alsoKeeping: manifest)
        var note = "activated; downloaded \(outcome.chunksDownloaded) chunks, \(outcome.bytesDownloaded) bytes"
        if case let .skipped(reason) = test { note += "; self-test skipped: \(reason)" }
        record(desired, .activated, note, event: "install", result: "ok")
        return .activated(selfTest: test)
    }

    /// Fetches chunks with up to `parallel` transfers in flight: on a link with latency, one request at a
    /// time would spend more time waiting for first bytes than receiving them.
    static func downloadAll(_ chunks: [Manifest.Chunk], registry: RegistryClient, store: LocalChunkStore, parallel: Int)
        async -> (bytes: Int, chunks: Int, failure: String?) {
        await withTaskGroup(of: (Manifest.Chunk, Result<Int, any Error>).self) { group in
            var pending = chunks[...]
            func startNext() {
                guard let chunk = pending.popFirst() else { return }
                group.addTask { (chunk, await download(chunk, registry: registry, store: store)) }
            }
            for _ in 0..<max(1, parallel) { startNext() }
            var bytes = 0, count = 0
            var failure: String?
            for await (chunk, result) in group {
                switch result {
                case let .success(received):
                    bytes += received
                    count += 1
                    if failure == nil { startNext() }
                case let .failure(error):
                    failure = failure ?? "chunk \(chunk.digest): \(error)"
                }
            }
            return (bytes, count, failure)
        }
    }

    /// Fetches one chunk (resuming a partial download) and admits it to the store once verified.
    /// A chunk that arrives corrupt is deleted and fetched again, up to three times.
    static func download(_ chunk: Manifest.Chunk, registry: RegistryClient, store: LocalChunkStore) async -> Result<Int, any Error> {
        var received = 0
        var lastError: (any Error)?
        for _ in 0..<3 {
            let partial = store.partialPath(of: chunk.digest, codec: chunk.codec)
            switch await attempt({ try await registry.downloadChunk(chunk.digest, storedLength: chunk.storedLength, to: partial) }) {
            case let .success(bytes): received += bytes
            case let .failure(error): return .failure(error)
            }
            switch Result(catching: { try store.admit(chunk) }) {
            case .success: return .success(received)
            case let .failure(error): lastError = error
            }
        }
        return .failure(lastError ?? FleetError.corruptChunk(digest: chunk.digest, reason: "did not verify"))
    }

    /// Refuses a download that cannot fit (free space, or the configured budget), before it starts.
    private func diskRefusal(for needed: [Manifest.Chunk], manifest: Manifest) -> String? {
        let incoming = needed.reduce(UInt64(0)) { $0 + UInt64($1.storedLength + $1.length) } + manifest.totalSize
        var disk = statvfs()
        if statvfs(settings.dataDirectory, &disk) == 0 {
            let free = UInt64(disk.f_bavail) * UInt64(disk.f_frsize)
            if incoming > free { return "needs \(incoming) bytes of disk, \(free) free" }
        }
        if let budget = settings.diskBudgetBytes {
            var used = DiskUsage.bytes(under: settings.dataDirectory)
            if used + incoming > budget {
                // Versions that are neither live nor the rollback target, and chunks only they used, go first.
                installer.collectGarbage(alsoKeeping: manifest)
                used = DiskUsage.bytes(under: settings.dataDirectory)
            }
            if used + incoming > budget { return "needs \(incoming) bytes; \(used) of the \(budget)-byte disk budget are in use" }
        }
        return nil
    }

    private func record(_ desired: DesiredModel, _ phase: Journal.Phase, _ detail: String, event kind: String? = nil, result: String = "failed") {
        _ = try? journal.record(.init(model: desired.model, version: desired.version, variant: desired.variant,
                                      manifestDigest: desired.manifestDigest, phase: phase, detail: detail))
        if let kind {
            _ = try? journal.enqueue(DeviceEvent(kind: kind, model: desired.model, version: desired.version, result: result, message: detail, at: .now()))
        }
    }

    private func flushEvents(_ registry: RegistryClient, deviceID: String) async throws {
        let pending = try journal.pendingEvents()
        guard let last = pending.last else { return }
        try await registry.report(deviceID: deviceID, EventBatch(events: pending.map(\.event)))
        try journal.acknowledge(upTo: last.id)
    }

    /// Runs an async throwing call and returns its result as a value. Keeping do/catch out of the
    /// long async functions above avoids the Swift 6.3 abort noted in docs/decisions.md.
    static func attempt<T: Sendable>(_ body: @Sendable () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}

/// Why a manifest was refused before anything was downloaded.
struct SyncRejection: Error, CustomStringConvertible, Sendable {
    var description: String
}

/// Bytes used by files under a folder (for the disk budget).
enum DiskUsage {
    static func bytes(under directory: String) -> UInt64 {
        var total: UInt64 = 0
        for relative in (try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? [] {
            var info = stat()
            if lstat(directory + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { total += UInt64(info.st_size) }
        }
        return total
    }
}
