public import FleetCore

/// Journals one model's sync as it advances, with the event that reports each outcome.
///
/// Each write is committed before the next step starts. A write that fails throws `JournalWriteFailed`
/// and the cycle stops: going on would do work (download, swap) the journal could not remember after a restart.
struct SyncProgress: Sendable {
    let journal: Journal
    let model: String
    let version: SemanticVersion
    let variant: String
    let manifestDigest: Digest

    init(journal: Journal, desired: DesiredModel) {
        self.journal = journal
        model = desired.model
        version = desired.version
        variant = desired.variant
        manifestDigest = desired.manifestDigest
    }

    init(journal: Journal, installing verified: VerifiedManifest) {
        self.journal = journal
        model = verified.manifest.model
        version = verified.manifest.version
        variant = verified.manifest.variant
        manifestDigest = verified.digest
    }

    /// A step finished; the next may start.
    func reached(_ phase: Journal.Phase) throws {
        try write(phase, detail: "")
    }

    func rejected(_ rejection: SyncRejection) throws {
        try write(.failed, detail: rejection.description, event: .rejected, result: "failed")
    }

    /// Waiting is not failing: the sync stays planned and runs once the rule stops objecting.
    func deferred(_ deferral: Deferral) throws {
        try write(.planned, detail: deferral.reason, event: .deferred, result: "deferred")
    }

    func failed(_ failure: SyncFailure) throws {
        try write(.failed, detail: failure.description, selfTest: failure.failedSelfTest ? .failed : nil, event: failure.event, result: "failed")
    }

    func activated(selfTest: SelfTestOutcome, transfer: ChunkFetcher.Transfer) throws {
        var note = "activated; downloaded \(transfer.chunks) chunks, \(transfer.bytes) bytes"
        let verdict: InstallReport.SelfTest
        switch selfTest {
        case .passed: verdict = .passed
        case .failed: verdict = .failed
        case .skipped(let reason):
            verdict = .skipped
            note += "; self-test skipped: \(reason)"
        }
        try write(.activated, detail: note, selfTest: verdict, event: .install, result: "ok")
    }

    private func write(
        _ phase: Journal.Phase, detail: String, selfTest: InstallReport.SelfTest? = nil,
        event: SyncEvent? = nil, result: String = ""
    ) throws {
        let record = Journal.SyncRecord(
            model: model, version: version, variant: variant, manifestDigest: manifestDigest,
            phase: phase, selfTest: selfTest, detail: detail)
        let report = event.map { DeviceEvent(kind: $0.rawValue, model: model, version: version, result: result, message: detail, at: .now()) }
        do { try journal.record(record, reporting: report) } catch {
            throw JournalWriteFailed(model: model, version: version, phase: phase, reason: "\(error)")
        }
    }
}

/// The journal could not commit a step of a sync; the sync stopped there, before the next step's work.
public struct JournalWriteFailed: Error, CustomStringConvertible, Sendable {
    public var model: String
    public var version: SemanticVersion
    public var phase: String
    public var reason: String

    init(model: String, version: SemanticVersion, phase: Journal.Phase, reason: String) {
        self.model = model
        self.version = version
        self.phase = phase.rawValue
        self.reason = reason
    }

    public var description: String {
        "the journal could not record \(model) \(version) as \(phase) (\(reason)); the sync stopped before its next step"
    }
}
