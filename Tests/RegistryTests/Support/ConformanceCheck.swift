import FleetCore
import FleetHTTP
import Foundation
import TestSupport

/// Sends real requests to a registry and holds each answer to `docs/openapi.yaml`: the operation must be
/// documented, its status documented for that operation, the content type one the document names, and a
/// JSON body valid against that status's schema. Collects what it finds instead of stopping at the first.
/// A class, used from one test task at a time.
final class ConformanceCheck: @unchecked Sendable {
    let registry: RegistryHarness
    let document: OpenAPIDocument
    let validator: JSONSchemaValidator
    private(set) var violations: [String] = []
    /// Operation and status of every answer checked, e.g. `GET /v1/devices/{id} 404`.
    private(set) var exercised: Set<String> = []

    init(_ registry: RegistryHarness) throws {
        self.registry = registry
        document = try OpenAPIDocument.load()
        validator = JSONSchemaValidator(document: document.root)
    }

    /// Sends `method path` with `token` and a JSON body (encoded with sorted keys, as clients do), checks the
    /// answer and returns it.
    @discardableResult
    func send(_ method: String, _ path: String, token: String?, json body: some Encodable) async throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try await send(method, path, token: token, body: Array(try encoder.encode(body)))
    }

    @discardableResult
    func send(_ method: String, _ path: String, token: String?, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil)
        async throws -> HTTPResponse
    {
        let response = try await registry.raw(method, path, token: token, headers: headers, body: body)
        check(response, to: method, path)
        return response
    }

    /// The checks, on an answer got by other means.
    func check(_ response: HTTPResponse, to method: String, _ path: String) {
        let label = "\(method) \(path) → \(response.status)"
        guard let operation = document.operation(method, path) else {
            violations.append("\(label): no documented operation")
            return
        }
        exercised.insert("\(operation) \(response.status)")
        guard let documented = document.response(operation, status: response.status) else {
            violations.append("\(label): status not documented for \(operation) (documented: \(document.statuses(operation)))")
            return
        }
        guard case .object(let contents)? = documented["content"] else {
            if !response.body.isEmpty { violations.append("\(label): a body where the document names none") }
            return
        }
        let type = String(response[header: "Content-Type"]?.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces)
        guard let content = contents[type] else {
            violations.append("\(label): content type '\(type)', documented \(contents.keys.sorted())")
            return
        }
        guard type == "application/json", let schema = content["schema"] else { return }
        let value: JSONValue
        do {
            value = try JSONParser.parse(response.body, limits: .init(maximumBytes: 64 << 20))
        } catch {
            violations.append("\(label): body is not JSON: \(error)")
            return
        }
        violations += validator.violations(of: value, against: schema).map { "\(label): \($0)" }
    }

    /// Documented operations no checked answer had a 2xx for.
    var operationsWithoutSuccess: [String] {
        document.operations.map(\.description).filter { operation in
            !exercised.contains { $0.hasPrefix(operation + " 2") }
        }.sorted()
    }
}
