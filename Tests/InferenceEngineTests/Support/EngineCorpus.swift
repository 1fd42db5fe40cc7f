import Foundation
import TestCorpus

/// Paths into the test corpus for the engine's tests (see `TestCorpus` for where it is found).
enum EngineCorpus {
    static var root: String { TestCorpus.root.path }

    static func path(_ relative: String) -> String { TestCorpus.path(relative) }

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
