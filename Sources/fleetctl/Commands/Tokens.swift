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
        let known = ["publish", "read", "fleet", "admin"]
        for scope in scopes where !known.contains(scope) {
            throw ValidationError("unknown scope '\(scope)'; known: \(known.joined(separator: ", "))")
        }
        struct Body: Encodable { var scopes: [String]; var label: String }
        struct Answer: Decodable { var token: String }
        let response = try await connection.client().send("POST", "/v1/tokens", headers: Wire.jsonHeader,
                                                          body: try Wire.encode(Body(scopes: scopes, label: label)), expected: [201])
        let token = try Wire.decode(Answer.self, response).token
        if json {
            print(String(decoding: response.body, as: UTF8.self))
        } else {
            print(token)
            FileHandle.standardError.write(Data("token '\(label)' with scopes \(scopes.joined(separator: ",")); shown once, store it now\n".utf8))
        }
    }
}
