import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl tokens create | ls | revoke` (admin scope; every change is audited).
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Create, list and revoke admin and enrollment tokens.",
        subcommands: [CreateToken.self, ListTokens.self, RevokeToken.self])
}

struct CreateToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token; it is printed once and stored only as a hash.",
        discussion: """
            Admin tokens take scopes: publish (push), read (models, chunks, metrics), fleet (devices, assignments, rollouts), \
            admin (everything). --enrollment makes a token that can only enroll devices (to rotate the first-start one: \
            create a new one, then revoke the old).
            """
    )

    @OptionGroup var connection: RegistryOptions
    @Flag(help: "Print the answer as JSON.") var json = false
    @Option(name: .customLong("scope"), help: "A scope; repeat for several (admin tokens).") var scopes: [String] = []
    @Flag(help: "An enrollment token (no scopes) instead of an admin token.") var enrollment = false
    @Option(help: "Stop working after this long, e.g. 12h or 30d (default: never).") var expires: String?
    @Option(help: "A name for the token; the audit log shows it as the actor.") var label: String

    func run() async throws {
        let known = try scopes.map { name in
            guard let scope = Scope(rawValue: name) else {
                throw ValidationError("unknown scope '\(name)'; known: \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return scope
        }
        if enrollment, !known.isEmpty { throw ValidationError("--enrollment takes no --scope: an enrollment token can only enroll devices") }
        if !enrollment, known.isEmpty { throw ValidationError("give at least one --scope (or --enrollment)") }
        let seconds = try expires.map(Spelling.seconds)
        if seconds == 0 { throw ValidationError("--expires must be longer than 0s") }
        let request = TokenRequest(scopes: known, label: label, kind: enrollment ? .enrollment : .admin, expiresInSeconds: seconds)
        let reply = try await connection.client().createToken(request)
        if json {
            print(String(decoding: reply.json, as: UTF8.self))
        } else {
            print(reply.value.token)
            let what = enrollment ? "enrollment token" : "token with scopes \(scopes.joined(separator: ","))"
            let expiry = reply.value.expiresAt.map { ", expires \($0)" } ?? ""
            FileHandle.standardError.write(Data("\(reply.value.id ?? "token") '\(label)': \(what)\(expiry); shown once, store it now\n".utf8))
        }
    }
}

struct ListTokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List tokens: id, kind and scopes, label, created, last used, expiry or state (never the secret).")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Include device tokens (one per enrolled device).") var devices = false

    func run() async throws {
        let now = Timestamp.now()
        try output.show(try await connection.client().tokens()) { answer in
            let shown = answer.tokens.filter { devices || $0.kind != .device }
            // Days are enough to read in a table (--json has the full times); ids and labels are what operators copy.
            return Table(
                headers: ["ID", "KIND", "LABEL", "CREATED", "USED", "EXPIRES"],
                rows: shown.map { token in
                    [
                        token.id, token.kind.rawValue + (token.scopes.isEmpty ? "" : ":" + token.scopes.map(\.rawValue).joined(separator: ",")),
                        token.label, String(token.createdAt.description.prefix(10)), Spelling.ago(token.lastUsedAt, now: now), Self.expiry(token, now: now)
                    ]
                }, shrinkable: [1, 2]
            ).render() + "\n\(shown.count) token(s)"
        }
    }
}

extension ListTokens {
    /// `never`, the expiry day, or why the token no longer works (`EXPIRED`, `REVOKED`).
    static func expiry(_ token: TokenSummary, now: Timestamp) -> String {
        switch token.state(at: now) {
        case "active": token.expiresAt.map { String($0.description.prefix(10)) } ?? "never"
        default: token.state(at: now).uppercased()
        }
    }
}

struct RevokeToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token now: its next request is refused with 401.")

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Token id, as tokens ls shows it (tok_…).") var id: String

    func run() async throws {
        try output.show(try await connection.client().revokeToken(id: id)) { "revoked \($0.id) ('\($0.label)', \($0.kind.rawValue))" }
    }
}
