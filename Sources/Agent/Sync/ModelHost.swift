import FleetCore

/// Loads a staged model and runs its self-test vectors before it may go live.
///
/// The inference engine implements this when it lands (issues #5 and #7). Until then the agent runs
/// with `EngineUnavailableHost`, which says so instead of pretending a self-test passed.
public protocol ModelHost: Sendable {
    func selfTest(modelDirectory: String, manifest: Manifest) async throws -> SelfTestOutcome
}

public enum SelfTestOutcome: Equatable, Sendable {
    case passed
    case failed(reason: String)
    /// The test could not run in this build; the version goes live and the event log says why.
    case skipped(reason: String)
}

public struct EngineUnavailableHost: ModelHost {
    public init() {}

    public func selfTest(modelDirectory: String, manifest: Manifest) async throws -> SelfTestOutcome {
        manifest.selfTest == nil
            ? .skipped(reason: "the manifest has no self-test vectors")
            : .skipped(reason: "this build has no inference engine yet, so the self-test vectors were not run")
    }
}
