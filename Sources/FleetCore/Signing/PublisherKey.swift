import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A publisher's Ed25519 signing key. Stays on the publisher's machine (`fleetctl keys generate`).
///
/// Key files are PEM, the same bytes OpenSSL writes and reads (`openssl pkey -in publisher.key`):
/// PKCS #8 `PRIVATE KEY` for the private key, SubjectPublicKeyInfo `PUBLIC KEY` for the public key.
/// See docs/key-files.md.
public struct PublisherPrivateKey: Sendable {
    let key: Curve25519.Signing.PrivateKey

    public static func generate() -> PublisherPrivateKey {
        PublisherPrivateKey(key: Curve25519.Signing.PrivateKey())
    }

    /// From a 32-byte Ed25519 seed.
    public init(seed: [UInt8]) throws {
        do { key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed) } catch {
            throw FleetError.malformedKey(path: "(memory)", reason: "an Ed25519 seed is 32 bytes, got \(seed.count)")
        }
    }

    init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    public init(pem: String, path: String = "(memory)") throws {
        let der = try PEM.decode(pem, label: "PRIVATE KEY", path: path)
        guard der.count == DERPrefix.pkcs8.count + 32, der.starts(with: DERPrefix.pkcs8) else {
            throw FleetError.malformedKey(path: path, reason: "not a PKCS #8 Ed25519 private key (OID 1.3.101.112)")
        }
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
    }

    public var publicKey: PublisherPublicKey { PublisherPublicKey(key: key.publicKey) }

    public var pem: String { PEM.encode(DERPrefix.pkcs8 + Array(key.rawRepresentation), label: "PRIVATE KEY") }

    func sign(_ bytes: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: bytes))
    }
}

/// A publisher's Ed25519 public key: registered with the registry and pinned in every agent's config.
public struct PublisherPublicKey: Sendable, Hashable {
    let key: Curve25519.Signing.PublicKey

    init(key: Curve25519.Signing.PublicKey) { self.key = key }

    public init(rawRepresentation: [UInt8]) throws {
        do { key = try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) } catch {
            throw FleetError.malformedKey(path: "(memory)", reason: "an Ed25519 public key is 32 bytes, got \(rawRepresentation.count)")
        }
    }

    public init(pem: String, path: String = "(memory)") throws {
        let der = try PEM.decode(pem, label: "PUBLIC KEY", path: path)
        guard der.count == DERPrefix.spki.count + 32, der.starts(with: DERPrefix.spki) else {
            throw FleetError.malformedKey(path: path, reason: "not an Ed25519 SubjectPublicKeyInfo (OID 1.3.101.112)")
        }
        key = try Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))
    }

    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    public var pem: String { PEM.encode(DERPrefix.spki + rawRepresentation, label: "PUBLIC KEY") }

    /// `ed25519:` + the first 16 bytes of SHA-256 over the raw key, in hex. Short enough to read in
    /// logs, long enough that no two publishers collide.
    public var keyID: String {
        "ed25519:" + String(Digest.of(rawRepresentation).hex.prefix(32))
    }

    func isValidSignature(_ signature: [UInt8], for bytes: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: bytes)
    }

    public static func == (lhs: PublisherPublicKey, rhs: PublisherPublicKey) -> Bool { lhs.rawRepresentation == rhs.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}

/// The fixed DER headers of Ed25519 keys (RFC 8410): the key bytes follow them directly.
enum DERPrefix {
    /// PrivateKeyInfo { version 0, AlgorithmIdentifier { id-Ed25519 }, OCTET STRING { OCTET STRING (32) } }
    static let pkcs8: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    /// SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 }, BIT STRING (32 bytes, 0 unused bits) }
    static let spki: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]
}

/// RFC 7468 PEM with one expected label.
enum PEM {
    static func encode(_ der: [UInt8], label: String) -> String {
        let body = Data(der).base64EncodedString()
        var lines = ["-----BEGIN \(label)-----"]
        var rest = Substring(body)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    static func decode(_ text: String, label: String, path: String) throws -> [UInt8] {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        let lines = text.split(whereSeparator: \.isNewline).map(\.trimmingWhitespace)
        guard let first = lines.firstIndex(of: begin), let last = lines[first...].firstIndex(of: end) else {
            throw FleetError.malformedKey(path: path, reason: "expected a PEM block '\(begin)' … '\(end)'")
        }
        let body = lines[(first + 1)..<last].joined()
        guard let der = Data(base64Encoded: body) else {
            throw FleetError.malformedKey(path: path, reason: "the PEM body is not valid base64")
        }
        return Array(der)
    }
}
