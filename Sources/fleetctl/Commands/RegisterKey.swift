import ArgumentParser
import FleetCore
import FleetHTTP

/// `fleetctl keys register`: allow a publisher key to sign manifests on the registry (admin scope).
struct RegisterKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "register", abstract: "Register a publisher public key with the registry (admin scope).")

    @OptionGroup var connection: RegistryOptions
    @Argument(help: "The public key file (publisher.pub), or the private key file.") var file: String

    func run() async throws {
        let key = try KeyFiles.loadPublicKey(from: file)
        try await connection.client().registerPublisher(key)
        print("registered \(key.keyID)")
    }
}
