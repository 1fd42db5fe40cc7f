import ArgumentParser
import FleetCore
import Foundation

/// `fleetctl verify`: checks a manifest's signature and, optionally, files on disk against it.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a signed manifest against trusted publisher keys, and files against the manifest.",
        discussion: "Exits 0 only if the signature is valid and every checked file has the size and SHA-256 the manifest names."
    )

    @Argument(help: "The manifest file.") var manifest: String
    @Option(name: .customLong("trust"), help: "A trusted publisher public key (repeatable).") var trustedKeys: [String]
    @Option(help: "A folder holding the manifest's files, to check them too.") var files: String?

    func validate() throws {
        guard !trustedKeys.isEmpty else { throw ValidationError("give at least one --trust KEY.pub") }
    }

    func run() throws {
        let trust = TrustedPublishers(try trustedKeys.map(KeyFiles.loadPublicKey(from:)))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: manifest)))
        let verified = try trust.verify(bytes)
        let content = verified.manifest
        print("\(manifest): \(content.model) \(content.version) (\(content.variant)), signed by \(content.publisher)")
        print("manifest digest: \(verified.digest)")
        guard let files else { return }
        for file in content.files {
            let path = files + "/" + file.path
            let (size, digest) = try Self.measure(path)
            guard size == file.size, digest == file.digest else {
                throw FleetError.digestMismatch(subject: "\(path) (\(size) bytes, manifest says \(file.size))", expected: file.digest, actual: digest)
            }
            print("ok  \(file.path)  \(file.size) bytes")
        }
    }

    static func measure(_ path: String) throws -> (UInt64, Digest) {
        let file = try ReadOnlyFile(path: path)
        var hasher = DigestHasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: UInt64 = 0
        while true {
            let count = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: offset) }
            if count == 0 { break }
            hasher.update(buffer[..<count])
            offset += UInt64(count)
        }
        return (offset, hasher.finalize())
    }
}
