/// Signs manifests with a publisher key, and checks them against the keys a verifier trusts.
public enum ManifestSigning {
    /// Returns `manifest` with `publisher` set to the key's id and `signature` over its canonical bytes.
    public static func sign(_ manifest: Manifest, with key: PublisherPrivateKey) throws -> Manifest {
        var signed = manifest
        signed.publisher = key.publicKey.keyID
        signed.signature = nil
        signed.signature = Hex.encode(try key.sign(try ManifestCoding.signedBytes(of: signed)))
        return signed
    }
}

/// The publisher keys a verifier accepts (an agent's pinned keys, the registry's registered keys).
public struct TrustedPublishers: Sendable {
    public private(set) var keys: [String: PublisherPublicKey]

    public init(_ keys: [PublisherPublicKey]) {
        self.keys = Dictionary(keys.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses, validates and verifies a manifest received from anywhere. Only a manifest that passes
    /// every check is returned; each failure names its reason.
    public func verify(_ bytes: [UInt8], maximumBytes: Int = ManifestCoding.defaultMaximumBytes) throws -> VerifiedManifest {
        let (manifest, document) = try ManifestCoding.decode(bytes, maximumBytes: maximumBytes)
        guard let key = keys[manifest.publisher] else {
            throw FleetError.untrustedManifest(reason: "publisher key \(manifest.publisher) is not among the \(keys.count) trusted key(s)")
        }
        guard let signatureText = manifest.signature else {
            throw FleetError.untrustedManifest(reason: "the manifest is not signed")
        }
        guard let signature = Hex.decode(signatureText), signature.count == 64 else {
            throw FleetError.badSignature(keyID: manifest.publisher, reason: "signature must be 128 lowercase hex digits")
        }
        guard key.isValidSignature(signature, for: ManifestCoding.signedBytes(of: document)) else {
            throw FleetError.badSignature(keyID: manifest.publisher, reason: "signature does not match the manifest's content")
        }
        let canonical = CanonicalJSON.encode(document)
        return VerifiedManifest(manifest: manifest, canonicalBytes: canonical, digest: Digest.of(canonical))
    }
}

/// A manifest whose signature checked out against a trusted key. Only `TrustedPublishers` makes one.
public struct VerifiedManifest: Sendable, Equatable {
    public let manifest: Manifest
    /// The canonical JSON of the whole signed manifest: what a registry stores and serves.
    public let canonicalBytes: [UInt8]
    /// SHA-256 of `canonicalBytes`: the manifest's name.
    public let digest: Digest
}
