import FleetCore
import Foundation
import TestSupport
import Yams

/// `docs/openapi.yaml`, loaded as a `JSONValue` so `JSONSchemaValidator` can read it, with the look-ups
/// a conformance check needs: which documented operation a request path is, and what it may answer.
struct OpenAPIDocument {
    let root: JSONValue

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func load() throws -> OpenAPIDocument {
        let text = try String(contentsOf: repository.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        guard let node = try Yams.load(yaml: text) else { throw DocumentError(message: "docs/openapi.yaml is empty") }
        return OpenAPIDocument(root: try json(from: node))
    }

    /// YAML as Yams reads it (dictionaries, arrays, scalars) to the JSON model the validator walks.
    static func json(from node: Any) throws -> JSONValue {
        switch node {
        case let members as [String: Any]: return .object(try members.mapValues(json(from:)))
        case let elements as [Any]: return .array(try elements.map(json(from:)))
        case let flag as Bool: return .bool(flag)
        case let number as Int: return .integer(Int64(number))
        case let number as Double: return .double(number)
        case let text as String: return .string(text)
        case is NSNull: return .null
        default: throw DocumentError(message: "unexpected YAML node \(node)")
        }
    }

    struct DocumentError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// A documented operation: its path template (`/v1/devices/{id}`) and method.
    struct Operation: Hashable, CustomStringConvertible {
        var method: String
        var template: String
        var description: String { "\(method) \(template)" }
    }

    var operations: [Operation] {
        guard case .object(let paths)? = root["paths"] else { return [] }
        return paths.flatMap { template, item -> [Operation] in
            guard case .object(let methods) = item else { return [] }
            return methods.keys.filter { $0 != "parameters" }.map { Operation(method: $0.uppercased(), template: template) }
        }
    }

    /// The operation serving `method path` (the query left off): literal segments beat `{parameters}`,
    /// so `/v1/devices/enroll` is not taken for `/v1/devices/{id}`.
    func operation(_ method: String, _ path: String) -> Operation? {
        let segments = path.split(separator: "?", maxSplits: 1)[0].split(separator: "/", omittingEmptySubsequences: false)
        let candidates = operations.filter { operation in
            let parts = operation.template.split(separator: "/", omittingEmptySubsequences: false)
            return operation.method == method && parts.count == segments.count
                && zip(parts, segments).allSatisfy { part, segment in part == segment || (part.hasPrefix("{") && !segment.isEmpty) }
        }
        return candidates.min { $0.template.filter { $0 == "{" }.count < $1.template.filter { $0 == "{" }.count }
    }

    /// The documented response of `operation` for `status` (a `$ref` to `components/responses` followed), or nil.
    func response(_ operation: Operation, status: Int) -> JSONValue? {
        let node = root["paths"]?[operation.template]?[operation.method.lowercased()]?["responses"]?[String(status)]
        if case .string(let reference)? = node?["$ref"] { return resolve(reference) }
        return node
    }

    /// True for an operation that needs no token (`security: []`, as /healthz says).
    func isPublic(_ operation: Operation) -> Bool {
        root["paths"]?[operation.template]?[operation.method.lowercased()]?["security"] == .array([])
    }

    /// Each documented status of `operation`.
    func statuses(_ operation: Operation) -> [Int] {
        guard case .object(let responses)? = root["paths"]?[operation.template]?[operation.method.lowercased()]?["responses"] else { return [] }
        return responses.keys.compactMap { Int($0) }.sorted()
    }

    func resolve(_ reference: String) -> JSONValue? {
        var node: JSONValue? = root
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }
}
