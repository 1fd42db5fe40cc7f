import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl tokens create`: an admin token with only the scopes a job needs (admin scope; audited).
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokens", abstract: "Create scoped admin tokens.", subcommands: [CreateToken.self])
}

struct CreateToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token with the given scopes; it is printed once and stored only as a hash.",
        discussion: "Scopes: publish (push), read (models, chunks, metrics), fleet (devices, assignments, rollouts), admin (everything)."
    )

    @OptionGroup var connection: RegistryOptions
    @Flag(help: "Print the answer as JSON.") var json = false
    @Option(name: .customLong("scope"), help: "A scope; repeat for several.") var scopes: [String]
    @Option(help: "A name for the token; the audit log shows it as the actor.") var label: String

    func run() async throws {
        let known = try scopes.map { name in
            guard let scope = Scope(rawValue: name) else {
                throw ValidationError("unknown scope '\(name)'; known: \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return scope
        }
        let reply = try await connection.client().createToken(TokenRequest(scopes: known, label: label))
        if json {
            print(String(decoding: reply.json, as: UTF8.self))
        } else {
            print(reply.value.token)
            FileHandle.standardError.write(Data("token '\(label)' with scopes \(scopes.joined(separator: ",")); shown once, store it now\n".utf8))
        }
    }
}
