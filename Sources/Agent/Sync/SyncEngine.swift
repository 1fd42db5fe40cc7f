public import FleetCore
import FleetHTTP
import InferenceEngine

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Keeps one device in sync: check in, then for each model the registry wants here, verify the signed
/// manifest, let the deferral rules speak, pull only the chunks the device lacks, stage, self-test, swap, report.
///
/// Each step is its own type; this actor only runs them in order and owns the device's identity.
/// Every step is journalled before the next begins; the chunk store keeps every verified chunk, so a
/// restart after a crash at any point re-downloads nothing it already verified.
public actor SyncEngine {
    let settings: AgentSettings
    /// Serves the live models and counts what it served.
    public nonisolated let inference: InferenceHost
    let journal: Journal
    let chunks: LocalChunkStore
    let installer: Installer
    let http: HTTPClient
    private let trust: DeviceTrust
    private let diskSpace: DiskSpaceCheck
    private let activation: Activation
    private let events: EventReporter
    private let profiles: ProfileReport
    private var identity: DeviceIdentity?

    /// `host` runs self-tests before a swap; the engine-backed `inference` host unless a test substitutes one.
    public init(settings: AgentSettings, host: (any ModelHost)? = nil) throws {
        try RegistryAddress.check(settings.registry, allowInsecureHTTP: settings.allowInsecureHTTP)
        self.settings = settings
        let inference = InferenceHost(power: settings.inferencePower)
        self.inference = inference
        let data = settings.dataDirectory
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        journal = try Journal(path: data + "/journal.sqlite")
        chunks = try LocalChunkStore(root: data + "/chunks")
        installer = Installer(root: data + "/models", chunks: chunks)
        http = HTTPClient(options: settings.transfer)
        trust = try DeviceTrust(pinned: settings.trustedKeys, root: settings.trustRoot, dataDirectory: data)
        diskSpace = DiskSpaceCheck(dataDirectory: data, budgetBytes: settings.diskBudgetBytes, installer: installer)
        activation = Activation(installer: installer, host: host ?? inference)
        events = EventReporter(journal: journal)
        profiles = ProfileReport(dataDirectory: data)
        inference.restore((try? journal.loadStats()) ?? [])
    }

    /// The device's identity, enrolling on first use.
    public func enroll() async throws -> DeviceIdentity {
        if let identity { return identity }
        let enrolled = try await DeviceIdentity.enrollIfNeeded(
            directory: settings.dataDirectory, registry: settings.registry,
            enrollToken: settings.enrollToken, profile: currentProfile(), http: http)
        identity = enrolled
        return enrolled
    }

    func client() async throws -> RegistryClient {
        RegistryClient(baseURL: settings.registry, token: try await enroll().token, http: http, retrying: true)
    }

    /// What this machine is now (labels from the settings), for enrollment and check-ins.
    private func currentProfile() -> DeviceProfile {
        DeviceIdentity.profile(
            labels: settings.labels, dataDirectory: settings.dataDirectory,
            engineVersion: EngineInfo.version, supportedOps: EngineInfo.supportedOperators)
    }

    /// One cycle: report queued events, check in, sync every desired model, report again.
    /// Throws when the registry cannot be reached or the journal cannot be written, and
    /// `DeviceDecommissioned` (now and at every later call) once the registry says the device was removed.
    public func checkInAndSync() async throws -> [Outcome] {
        if let notice = DeviceDecommissioned.load(from: settings.dataDirectory) { throw notice }
        // Saved first, so what was served while offline survives a restart until a check-in reports it.
        try journal.saveStats(inference.snapshot())
        let identity = try await enroll()
        let registry = try await client()
        let profile = profiles.pending(currentProfile())
        let request = try checkinRequest(profile: profile)
        let events = events
        let reply = await Result<CheckinResponse, any Error>.catching {
            try await events.flush(to: registry, deviceID: identity.deviceID)
            return try await registry.checkin(deviceID: identity.deviceID, request)
        }
        let directory = settings.dataDirectory
        let answer = try reply.mapError { DeviceDecommissioned.classify($0, directory: directory) }.get()
        if let profile { try profiles.accepted(profile) }
        if let refusal = await trust.update(registryVersion: answer.trustVersion, from: registry) {
            try journal.enqueue(DeviceEvent(kind: SyncEvent.trust.rawValue, result: "failed", message: refusal, at: .now()))
        }
        var outcomes: [Outcome] = []
        for desired in answer.desired {
            try Task.checkCancellation()
            outcomes.append(try await sync(desired, registry: registry))
        }
        try await events.flush(to: registry, deviceID: identity.deviceID)
        return outcomes
    }

    /// `profile`: the device's profile when it changed since the registry last accepted one (`ProfileReport`).
    private func checkinRequest(profile: DeviceProfile?) throws -> CheckinRequest {
        let installed = installer.activeModels().map { InstalledModel(model: $0.manifest.model, version: $0.manifest.version, variant: $0.manifest.variant) }
        return CheckinRequest(
            installed: installed, state: "idle", stats: inference.statistics(), installs: try journal.syncs().compactMap(\.installReport), profile: profile)
    }

    /// Installed models, for `status`.
    public func activeModels() -> [(model: String, version: SemanticVersion, variant: String)] {
        installer.activeModels().map { ($0.manifest.model, $0.manifest.version, $0.manifest.variant) }
    }

    /// The local API over this engine's installed models.
    public nonisolated var localAPI: LocalAPI { LocalAPI(installer: installer, host: inference) }

    public func rollback(model: String) throws -> SemanticVersion {
        let live = try installer.rollback(model: model)
        try journal.enqueue(
            DeviceEvent(
                kind: SyncEvent.rollback.rawValue, model: model, version: live.manifest.version, result: "ok",
                message: "operator rolled back to \(live.manifest.version)", at: .now()))
        return live.manifest.version
    }

    /// One desired model: trust and downgrade gate → deferral rules → install. Every outcome is journalled.
    private func sync(_ desired: DesiredModel, registry: RegistryClient) async throws -> Outcome {
        var outcome = Outcome(model: desired.model, version: desired.version, result: .upToDate, bytesDownloaded: 0, chunksDownloaded: 0)
        let current = installer.active(desired.model)
        if current?.digest == desired.manifestDigest { return outcome }
        // A manifest whose self-test failed here fails the same way again: wait for a new one.
        if let last = try journal.sync(for: desired.model), last.failedSelfTest(of: desired.manifestDigest) {
            outcome.result = .failed(reason: last.detail + " (not retried until the registry offers another version)")
            return outcome
        }
        let progress = SyncProgress(journal: journal, desired: desired)
        let verdict: Result<VerifiedManifest, SyncRejection>
        switch trust.publishers(at: .now()) {
        case .failure(let refusal): verdict = .failure(refusal)
        case .success(let publishers): verdict = await ManifestGate(trust: publishers).fetch(desired, from: registry, current: current)
        }
        switch verdict {
        case .failure(let rejection):
            try progress.rejected(rejection)
            outcome.result = .rejected(reason: rejection.description)
        case .success(let verified):
            if let deferral = settings.policy.deferral() {
                try progress.deferred(deferral)
                outcome.result = .deferred(reason: deferral.reason)
            } else {
                outcome.result = try await install(verified, registry: registry, outcome: &outcome)
            }
        }
        return outcome
    }

    /// Plan → disk check → fetch → stage, self-test, swap; each phase is journalled before the next begins.
    private func install(_ verified: VerifiedManifest, registry: RegistryClient, outcome: inout Outcome) async throws -> Outcome.Result {
        let progress = SyncProgress(journal: journal, installing: verified)
        try progress.reached(.planned)
        let plan = ChunkPlan(manifest: verified.manifest, store: chunks)
        if let refusal = diskSpace.refusal(for: plan) {
            return try fail(SyncFailure(description: refusal, event: .deferred), progress)
        }
        let transfer = await ChunkFetcher(registry: registry, store: chunks, parallel: settings.parallelDownloads).fetch(plan.missing)
        outcome.bytesDownloaded += transfer.bytes
        outcome.chunksDownloaded += transfer.chunks
        // Stopped between chunks: not a failure. The journal says "planned", and the next start
        // fetches only the chunks still missing.
        try Task.checkCancellation()
        if let failure = transfer.failure {
            return try fail(SyncFailure(description: failure, event: .install), progress)
        }
        try progress.reached(.downloaded)
        switch try await activation.run(verified, progress: progress) {
        case .failure(let failure):
            return try fail(failure, progress)
        case .success(let selfTest):
            try progress.activated(selfTest: selfTest, transfer: transfer)
            return .activated(selfTest: selfTest)
        }
    }

    private func fail(_ failure: SyncFailure, _ progress: SyncProgress) throws -> Outcome.Result {
        try progress.failed(failure)
        return .failed(reason: failure.description)
    }
}
