import FleetCore
import FleetHTTP
import Foundation
import TestSupport

/// Holds answers to `docs/openapi.yaml`: the operation must be documented, its status documented for that
/// operation, the content type one the document names, and a JSON body valid against that status's schema.
/// Collects what it finds instead of stopping at the first, and remembers which operation and status pairs
/// it saw, so a test can require that every documented pair was really exercised.
/// A class, used from one test task at a time.
final class ConformanceCheck: @unchecked Sendable {
    let document: OpenAPIDocument
    let validator: JSONSchemaValidator
    private(set) var violations: [String] = []
    /// Operation and status of every answer checked, e.g. `GET /v1/devices/{id} 404`.
    private(set) var exercised: Set<String> = []

    init(document: OpenAPIDocument) {
        self.document = document
        validator = JSONSchemaValidator(document: document.root)
    }

    /// The checks, on one answer to `method path`.
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
        guard let value = try? JSONParser.parse(response.body, limits: .init(maximumBytes: 64 << 20)) else {
            violations.append("\(label): body is not JSON: \(response.text.prefix(200))")
            return
        }
        violations += validator.violations(of: value, against: schema).map { "\(label): \($0)" }
    }

    /// Documented operation and status pairs no checked answer had, less `exempt` (pair → why it cannot be
    /// provoked here); an exemption that names a pair the document lacks or that was exercised anyway is
    /// reported too, so the list cannot go stale.
    func unexercised(exempt: [String: String]) -> [String] {
        let documented = Set(document.operations.flatMap { operation in document.statuses(operation).map { "\(operation) \($0)" } })
        let missing = documented.subtracting(exercised).subtracting(exempt.keys)
        let stale = Set(exempt.keys).subtracting(documented.subtracting(exercised)).map { "stale exemption: \($0)" }
        return (missing.sorted() + stale.sorted())
    }
}
