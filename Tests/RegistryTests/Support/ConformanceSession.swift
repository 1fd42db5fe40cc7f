import FleetCore
import FleetHTTP
import Foundation
import Registry
import TestSupport

/// Runs `ConformanceStep`s against one real registry over loopback HTTP and hands every answer to a
/// `ConformanceCheck`. Also reports each answer whose status is not the one its step meant to provoke.
/// A class, used from one test task at a time.
final class ConformanceSession: @unchecked Sendable {
    let registry: RegistryHarness
    let check: ConformanceCheck
    /// Placeholder values: the callers' tokens and what steps kept (device ids, rollout ids, token ids).
    private(set) var values: [String: String]
    /// Steps whose answer was not the status they were written for, or lacked a member to keep.
    private(set) var surprises: [String] = []

    init(_ registry: RegistryHarness, check: ConformanceCheck) {
        self.registry = registry
        self.check = check
        values = [
            "admin": registry.adminToken, "enrollment": registry.enrollToken, "guesser": "mfa_guess",
            "adminTokenID": TokenID.of(hash: BearerToken.hash(registry.adminToken))
        ]
    }

    /// Sends every step in order. Kept this short on purpose: building requests and checking answers are
    /// synchronous (`request(for:)`, `record`).
    func run(_ steps: [ConformanceStep]) async throws {
        for step in steps {
            try step.prepare?(self)
            let (path, token) = try request(for: step)
            let response = try await registry.raw(step.method, path, token: token, headers: step.headers, body: step.body)
            record(response, of: step, path: path)
        }
    }

    /// The step's path with its placeholders filled in, and its caller's token.
    func request(for step: ConformanceStep) throws -> (path: String, token: String?) {
        var path = step.path
        while let open = path.firstIndex(of: "{"), let close = path[open...].firstIndex(of: "}") {
            let name = String(path[path.index(after: open)..<close])
            guard let value = values[name] else { throw Unfilled(placeholder: name, step: "\(step.method) \(step.path)") }
            path.replaceSubrange(open...close, with: value)
        }
        guard step.caller != .nobody else { return (path, nil) }
        let key = step.caller == .device ? "deviceToken" : step.caller == .reader ? "readerToken" : step.caller.rawValue
        guard let token = values[key] else { throw Unfilled(placeholder: key, step: "\(step.method) \(step.path)") }
        return (path, token)
    }

    func record(_ response: HTTPResponse, of step: ConformanceStep, path: String) {
        check.check(response, to: step.method, path)
        let label = "\(step.method) \(path) as \(step.caller)"
        guard response.status == step.expect else {
            surprises.append("\(label): expected \(step.expect), got \(response.status) \(response.text.prefix(300))")
            return
        }
        guard !step.keep.isEmpty else { return }
        let answer = try? JSONParser.parse(response.body, limits: .init(maximumBytes: 1 << 20))
        for (name, member) in step.keep {
            var node = answer
            for part in member.split(separator: ".") { node = node?[String(part)] }
            guard case .string(let value)? = node else {
                surprises.append("\(label): no string at \(member) to keep as {\(name)}")
                continue
            }
            values[name] = value
        }
    }

    struct Unfilled: Error, CustomStringConvertible {
        var placeholder: String
        var step: String
        var description: String { "\(step): nothing kept as {\(placeholder)} yet" }
    }
}
