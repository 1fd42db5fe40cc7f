import Foundation

/// Paths into `../shared/corpus` for the engine's tests (`MODELFLEET_CORPUS` overrides).
/// A missing corpus fails the tests that need it; nothing is skipped.
enum EngineCorpus {
    static var root: String {
        if let override = ProcessInfo.processInfo.environment["MODELFLEET_CORPUS"] { return override }
        // Tests/InferenceEngineTests/Support/EngineCorpus.swift → five levels up is the parent of the repository.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url = url.deletingLastPathComponent() }
        return url.appendingPathComponent("shared/corpus").path
    }

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// Every reference folder (one per model: `model.onnx` + `test_data_set_0`), relative to `reference/`.
    static func referenceCases() -> [String] {
        let base = path("reference")
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        return walker.compactMap { $0 as? String }
            .filter { $0.hasSuffix("/model.onnx") }
            .map { String($0.dropLast("/model.onnx".count)) }
            .sorted()
    }
}
