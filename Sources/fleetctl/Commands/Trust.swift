import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `fleetctl trust`: the root key's signed list of publisher keys (rotation and revocation).
struct TrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Sign and publish trust documents: the publisher keys devices accept, signed by an offline root key.",
        discussion: """
            Make a root key once with `fleetctl keys generate --out root.key`, keep root.key offline, and pin root.pub \
            on devices (modelfleet-agent --trust-root root.pub). Each document has a version higher than the last, \
            an expiry, the allowed publisher keys and the revoked key ids; --next-root hands the root over to a new key.
            """,
        subcommands: [PublishTrust.self, SignTrust.self, ShowTrust.self]
    )
}

/// What a new document says, from the command line.
struct TrustDocumentOptions: ParsableArguments {
    @Option(help: "The root private key that signs the document.") var rootKey: String
    @Option(help: "Comma-separated publisher public key files (or private key files) the document allows.") var publishers: String
    @Option(help: "Comma-separated key ids to revoke (fleetctl keys id FILE prints one).") var revoke: String?
    @Option(help: "How long the document stays valid: 90s, 30m, 12h, 180d.") var expires = "180d"
    @Option(help: "The new root's public key file, when this document hands the root over to it.") var nextRoot: String?

    func sign(version: Int, now: Timestamp = .now()) throws -> [UInt8] {
        let root = try KeyFiles.loadPrivateKey(from: rootKey)
        let keys = try publishers.split(separator: ",").map { try KeyFiles.loadPublicKey(from: String($0)) }
        let revoked = revoke?.split(separator: ",").map(String.init) ?? []
        let lifetime = try DurationText.seconds(expires)
        let document = try TrustDocument(
            version: version, issuedAt: now, expires: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + lifetime), publishers: keys,
            revoked: revoked, nextRoot: try nextRoot.map(KeyFiles.loadPublicKey(from:)), signedBy: root)
        return try TrustDocumentCoding.encode(document)
    }
}

struct PublishTrust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Upload a trust document (admin scope): sign one here with --root-key, or give a file made by `trust sign`.")

    @OptionGroup var connection: RegistryOptions
    @Argument(help: "A signed document from `fleetctl trust sign` (instead of --root-key and --publishers).") var file: String?
    @Option(help: "The root private key that signs the document.") var rootKey: String?
    @Option(help: "Comma-separated publisher public key files the document allows.") var publishers: String?
    @Option(help: "Comma-separated key ids to revoke.") var revoke: String?
    @Option(help: "How long the document stays valid: 90s, 30m, 12h, 180d.") var expires = "180d"
    @Option(help: "The new root's public key file, when this document hands the root over to it.") var nextRoot: String?
    @Option(help: "The document's version (default: one above the registry's newest).") var version: Int?
    @Flag(help: "Print the registry's JSON answer.") var json = false

    func run() async throws {
        let client = try connection.client()
        let bytes: [UInt8]
        if let file {
            guard rootKey == nil, publishers == nil else { throw ValidationError("give either a signed FILE or --root-key and --publishers, not both") }
            bytes = Array(try KeyFiles.read(file).utf8)
        } else {
            guard let rootKey, let publishers else { throw ValidationError("give --root-key and --publishers (or a file signed by `fleetctl trust sign`)") }
            let newest = try await client.trustDocuments().compactMap { try? TrustDocumentCoding.decode($0).version }.max() ?? 0
            let options = try TrustDocumentOptions.parse(
                ["--root-key", rootKey, "--publishers", publishers, "--expires", expires]
                    + (revoke.map { ["--revoke", $0] } ?? []) + (nextRoot.map { ["--next-root", $0] } ?? []))
            bytes = try options.sign(version: version ?? newest + 1)
        }
        let reply = try await client.publishTrust(bytes)
        if json { return print(String(decoding: reply.json, as: UTF8.self)) }
        print(TrustSummaryText.describe(reply.value))
    }
}

struct SignTrust: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign a trust document offline and write it to a file (upload it with `trust publish FILE`).")

    @OptionGroup var document: TrustDocumentOptions
    @Option(help: "The document's version: one above the registry's newest.") var version: Int
    @Option(help: "Where to write the signed document.") var out: String

    func run() throws {
        try KeyFiles.write(String(decoding: try document.sign(version: version), as: UTF8.self), to: out, permissions: 0o644)
        print("wrote trust document v\(version) to \(out)")
    }
}

struct ShowTrust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the registry's newest trust document.")

    @OptionGroup var connection: RegistryOptions
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        guard let newest = try await connection.client().trustDocuments().last else {
            return print("no trust document: the registry accepts the keys registered with `fleetctl keys register`")
        }
        let summary = try TrustSummary(try TrustDocumentCoding.decode(newest))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            return print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        }
        print(TrustSummaryText.describe(summary))
    }
}

/// The text form of a trust summary.
enum TrustSummaryText {
    static func describe(_ summary: TrustSummary) -> String {
        var lines = [
            "trust document v\(summary.version), root \(summary.root), issued \(summary.issuedAt), expires \(summary.expires)",
            "publishers: " + (summary.publishers.isEmpty ? "(none)" : summary.publishers.joined(separator: ", ")),
            "revoked:    " + (summary.revoked.isEmpty ? "(none)" : summary.revoked.joined(separator: ", "))
        ]
        if let next = summary.nextRoot { lines.append("next root:  \(next) (signs the next document)") }
        return lines.joined(separator: "\n")
    }
}
