public import Foundation

/// Where the tests find their corpus of real ONNX models, reference outputs and ONNX node tests: the one
/// lookup every test target uses, in the same order as `scripts/fetch-test-corpus`:
/// 1. `$MODELFLEET_CORPUS`;
/// 2. `../shared/corpus` beside the repository (the project's own machines and CI);
/// 3. `.test-corpus/` in the repository, assembled by `scripts/fetch-test-corpus` (which `scripts/test` runs).
/// A missing corpus fails the tests that read it (nothing is skipped); `scripts/test` fetches it first.
public enum TestCorpus {
    /// The repository's root: this file is `Tests/TestCorpus/TestCorpus.swift`.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let root: URL = {
        if let override = ProcessInfo.processInfo.environment["MODELFLEET_CORPUS"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        if FileManager.default.fileExists(atPath: shared.appendingPathComponent("models").path) { return shared }
        return repositoryRoot.appendingPathComponent(".test-corpus")
    }()

    /// A path inside the corpus, e.g. `path("models/digits-mlp/v1.onnx")`.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}
