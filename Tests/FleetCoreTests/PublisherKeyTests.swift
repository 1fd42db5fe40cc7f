import Foundation
import TestProcesses
import Testing

@testable import FleetCore

@Suite struct PublisherKeyTests {
    @Test func pemRoundTrips() throws {
        let key = PublisherPrivateKey.generate()
        let reloaded = try PublisherPrivateKey(pem: key.pem)
        #expect(reloaded.publicKey == key.publicKey)
        #expect(try PublisherPublicKey(pem: key.publicKey.pem) == key.publicKey)
        #expect(key.publicKey.keyID.hasPrefix("ed25519:") && key.publicKey.keyID.count == 8 + 32)
    }

    /// Our key files are the ones OpenSSL reads and writes: the public key OpenSSL derives from our
    /// private key file is byte-identical to ours, and a key OpenSSL generates loads here.
    @Test func keyFilesAreOpenSSLCompatible() throws {
        let scratch = try ScratchDirectory()
        let key = PublisherPrivateKey.generate()
        let keyPath = try scratch.write(Array(key.pem.utf8), to: "publisher.key")
        let derived = try run("/usr/bin/openssl", ["pkey", "-in", keyPath, "-pubout"])
        #expect(derived == key.publicKey.pem)

        let generatedPath = scratch.url.appendingPathComponent("openssl.key").path
        _ = try run("/usr/bin/openssl", ["genpkey", "-algorithm", "ed25519", "-out", generatedPath])
        let generated = try PublisherPrivateKey(pem: String(contentsOfFile: generatedPath, encoding: .utf8), path: generatedPath)
        let generatedPublic = try run("/usr/bin/openssl", ["pkey", "-in", generatedPath, "-pubout"])
        #expect(generated.publicKey.pem == generatedPublic)
    }

    @Test func wrongKeyFilesAreRejectedWithTheReason() throws {
        let key = PublisherPrivateKey.generate()
        #expect {
            try PublisherPrivateKey(pem: key.publicKey.pem, path: "pub.pem")
        } throws: { error in
            (error as? FleetError)?.description
                == "malformed key file pub.pem: expected a PEM block '-----BEGIN PRIVATE KEY-----' … '-----END PRIVATE KEY-----'"
        }
        let garbled = key.pem.replacingOccurrences(of: "MC4CAQAw", with: "MC4CAQ!w")
        #expect {
            try PublisherPrivateKey(pem: garbled, path: "k.pem")
        } throws: { error in
            (error as? FleetError)?.description == "malformed key file k.pem: the PEM body is not valid base64"
        }
        // An RSA-style header (different algorithm) is refused, not misread.
        let rsaLike = PEM.encode([0x30, 0x82, 0x04, 0xa4] + [UInt8](repeating: 1, count: 44), label: "PRIVATE KEY")
        #expect {
            try PublisherPrivateKey(pem: rsaLike, path: "rsa.pem")
        } throws: { error in
            (error as? FleetError)?.description == "malformed key file rsa.pem: not a PKCS #8 Ed25519 private key (OID 1.3.101.112)"
        }
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = SpawnedProcess()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) \(arguments) failed")
        return String(decoding: output, as: UTF8.self)
    }
}
