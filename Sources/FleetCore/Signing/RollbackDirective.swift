/// A publisher's signed permission for devices running `model` at `fromVersion` to go back to `toVersion`.
///
/// Versions never go backwards on their own: otherwise a compromised registry could push a fleet back
/// to a version with a known flaw. A rollback is the publisher's decision, so it carries the same
/// signature as a manifest, over bytes no manifest can have (a domain tag, then one field per line),
/// and it names both ends: it cannot be replayed to move a device from any other version.
public struct RollbackDirective: Codable, Equatable, Sendable {
    public var model: String
    public var fromVersion: SemanticVersion
    public var toVersion: SemanticVersion
    public var issuedAt: Timestamp
    /// Key id of the signing publisher key.
    public var publisher: String
    /// Lowercase hex Ed25519 signature over `signedBytes`.
    public var signature: String

    static let domain = "modelfleet-rollback-v1"

    /// Signs a directive; `toVersion` must be lower than `fromVersion`.
    public init(model: String, from: SemanticVersion, to: SemanticVersion, issuedAt: Timestamp = .now(), key: PublisherPrivateKey) throws {
        guard to < from else {
            throw FleetError.invalidManifest(reason: "a rollback goes to a lower version: \(to) is not lower than \(from)")
        }
        self.model = model
        fromVersion = from
        toVersion = to
        self.issuedAt = issuedAt
        publisher = key.publicKey.keyID
        signature = ""
        signature = Hex.encode(try key.sign(signedBytes))
    }

    /// What the signature covers: every field but the signature, unambiguously (names cannot hold newlines).
    var signedBytes: [UInt8] {
        Array(
            [Self.domain, model, fromVersion.description, toVersion.description, String(issuedAt.secondsSinceEpoch), publisher]
                .joined(separator: "\n").utf8)
    }
}

extension TrustedPublishers {
    /// Throws unless a trusted key signed `directive` as it stands.
    public func verify(_ directive: RollbackDirective) throws {
        guard let key = keys[directive.publisher] else {
            throw FleetError.untrustedManifest(reason: "rollback signed by \(directive.publisher), which is not among the \(keys.count) trusted key(s)")
        }
        guard directive.toVersion < directive.fromVersion else {
            throw FleetError.badSignature(keyID: directive.publisher, reason: "a rollback must go to a lower version")
        }
        guard let signature = Hex.decode(directive.signature), signature.count == 64,
            key.isValidSignature(signature, for: directive.signedBytes)
        else {
            throw FleetError.badSignature(keyID: directive.publisher, reason: "signature does not match the rollback directive")
        }
    }
}
