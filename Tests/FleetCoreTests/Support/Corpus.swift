import FleetCore
import Foundation
import TestCorpus

/// The test corpus (see `TestCorpus` for where it is found).
enum Corpus {
    static var root: URL { TestCorpus.root }

    static func path(_ relative: String) -> String { TestCorpus.path(relative) }

    /// Every `.onnx` file under `models/`, sorted, so tests cover what is there rather than a fixed list.
    static func models() throws -> [String] {
        let base = root.appendingPathComponent("models")
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: base.path])
        }
        return walker.compactMap { ($0 as? URL)?.path }.filter { $0.hasSuffix(".onnx") }.sorted()
    }
}

/// A scratch directory removed when the test's scope ends.
final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("modelfleet-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
