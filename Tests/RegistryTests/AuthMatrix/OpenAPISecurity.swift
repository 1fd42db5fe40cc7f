import Foundation
import Yams

/// What docs/openapi.yaml promises about authentication: the document requires a bearer token globally,
/// and an operation that needs none says `security: []`. The auth matrix holds the router to that promise.
enum OpenAPISecurity {
    /// `METHOD /path` of every operation the document lets through without a token: its own `security`
    /// is an empty list, or it has none and the document-wide one is missing or empty.
    static func publicOperations() throws -> Set<String> {
        let file = OpenAPITests.repository.appendingPathComponent("docs/openapi.yaml")
        let document = try Yams.load(yaml: try String(contentsOf: file, encoding: .utf8)) as? [String: Any] ?? [:]
        let required = document["security"] as? [Any] ?? []
        var open = Set<String>()
        for (path, item) in document["paths"] as? [String: Any] ?? [:] {
            for (method, operation) in item as? [String: Any] ?? [:] {
                guard let operation = operation as? [String: Any] else { continue }  // `parameters` shared by a path's operations
                if (operation["security"] as? [Any] ?? required).isEmpty { open.insert("\(method.uppercased()) \(path)") }
            }
        }
        return open
    }
}
