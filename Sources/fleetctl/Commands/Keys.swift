import ArgumentParser
import FleetCore
import Foundation

/// `fleetctl keys`: the publisher's Ed25519 signing keys.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and inspect publisher signing keys.",
        subcommands: [Generate.self, ID.self, RegisterKey.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate an Ed25519 publisher key pair.",
            discussion:
                "Writes the private key to --out (mode 0600) and the public key beside it with the extension .pub. Both are PEM files that OpenSSL reads."
        )

        @Option(help: "Where to write the private key.") var out: String = "publisher.key"
        @Flag(help: "Overwrite existing key files.") var force = false

        func run() throws {
            let publicPath = KeyFiles.publicPath(for: out)
            if !force {
                for path in [out, publicPath] where FileManager.default.fileExists(atPath: path) {
                    throw ValidationError("\(path) already exists; pass --force to replace it (the old key can then no longer sign)")
                }
            }
            let key = PublisherPrivateKey.generate()
            try KeyFiles.write(key.pem, to: out, permissions: 0o600)
            try KeyFiles.write(key.publicKey.pem, to: publicPath, permissions: 0o644)
            print("private key: \(out) (keep it secret)")
            print("public key:  \(publicPath) (register it with the registry, pin it in agent configs)")
            print("key id:      \(key.publicKey.keyID)")
        }
    }

    struct ID: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "id", abstract: "Print the key id of a private or public key file.")

        @Argument(help: "A publisher key file (.key or .pub).") var file: String

        func run() throws {
            print(try KeyFiles.loadPublicKey(from: file).keyID)
        }
    }
}

/// Reading and writing key files with the right permissions and errors that name the file.
enum KeyFiles {
    static func publicPath(for privatePath: String) -> String {
        (privatePath.hasSuffix(".key") ? String(privatePath.dropLast(4)) : privatePath) + ".pub"
    }

    static func write(_ text: String, to path: String, permissions: Int) throws {
        let url = URL(fileURLWithPath: path)
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
    }

    static func read(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("cannot read key file \(path): \(error.localizedDescription)")
        }
    }

    static func loadPrivateKey(from path: String) throws -> PublisherPrivateKey {
        try PublisherPrivateKey(pem: read(path), path: path)
    }

    /// Accepts either half of a pair: a private key file yields its public key.
    static func loadPublicKey(from path: String) throws -> PublisherPublicKey {
        let text = try read(path)
        if text.contains("PRIVATE KEY") { return try PublisherPrivateKey(pem: text, path: path).publicKey }
        return try PublisherPublicKey(pem: text, path: path)
    }
}
