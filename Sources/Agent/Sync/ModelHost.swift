public import FleetCore

/// Loads a staged model and runs its self-test vectors before it may go live.
///
/// `InferenceHost` implements it with the bundled engine; tests substitute hosts that fail on purpose.
public protocol ModelHost: Sendable {
    func selfTest(modelDirectory: String, manifest: Manifest) async throws -> SelfTestOutcome
}

public enum SelfTestOutcome: Equatable, Sendable {
    case passed
    case failed(reason: String)
    /// There was nothing to run (no vectors, or no ONNX file); the version goes live and the event log says why.
    case skipped(reason: String)
}
