import FleetCore

/// Puts a fully fetched version live: assembles and verifies it in staging, runs its self-test, swaps it
/// in with one rename, then collects what is no longer needed. A version failing any step never goes live.
struct Activation: Sendable {
    let installer: Installer
    /// Runs the self-test; the engine-backed `InferenceHost` unless a test substitutes one.
    let host: any ModelHost

    /// A failure means this version cannot go live; a thrown error means the journal could not record a step.
    func run(_ verified: VerifiedManifest, progress: SyncProgress) async throws -> Result<SelfTestOutcome, SyncFailure> {
        switch stage(verified) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let staged):
            try progress.reached(.staged)
            let test = await selfTest(staged, manifest: verified.manifest)
            if case .failed(let reason) = test {
                return .failure(SyncFailure(description: "self-test failed: \(reason)", event: .install, failedSelfTest: true))
            }
            return swapIn(staged, manifest: verified.manifest).map { test }
        }
    }

    private func stage(_ verified: VerifiedManifest) -> Result<String, SyncFailure> {
        Result { try installer.stage(verified) }.mapError { SyncFailure(description: "\($0)", event: .install) }
    }

    /// An error thrown by the host counts as a failed self-test: a model the engine cannot load must not go live.
    private func selfTest(_ staged: String, manifest: Manifest) async -> SelfTestOutcome {
        switch await Result.catching({ try await host.selfTest(modelDirectory: staged, manifest: manifest) }) {
        case .success(let outcome): return outcome
        case .failure(let error): return .failed(reason: "\(error)")
        }
    }

    private func swapIn(_ staged: String, manifest: Manifest) -> Result<Void, SyncFailure> {
        Result {
            try installer.activate(model: manifest.model, versionDirectory: staged)
            // Only the live version and the rollback target stay on disk, with the chunks they use.
            installer.collectGarbage(alsoKeeping: manifest)
        }.mapError { SyncFailure(description: "\($0)", event: .install) }
    }
}
