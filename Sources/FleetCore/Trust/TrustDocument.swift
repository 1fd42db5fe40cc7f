/// The root's word on which publisher keys may sign manifests (the lesson of TUF and Uptane: keys
/// that sign releases must be replaceable, so devices pin a root that speaks about them, not them).
///
/// An offline root key signs a numbered, expiring document listing the publisher keys and the key
/// ids it revokes. Devices and the registry accept only a newer document from the same root, so a
/// registry cannot roll a device back to a list that still holds a revoked key. A document that
/// names `nextRoot` hands the root over: the documents after it are signed by that key, and a device
/// that was offline follows the chain one document at a time.
public struct TrustDocument: Codable, Equatable, Sendable {
    /// Always `modelfleet-trust`: a manifest or any other signed JSON can never pass for one.
    public var type: String
    /// Strictly increasing from one document to the next (1 for the first).
    public var version: Int
    public var issuedAt: Timestamp
    /// After this, devices install nothing new until a newer document arrives (they keep serving).
    public var expires: Timestamp
    /// The root public key (SubjectPublicKeyInfo PEM) whose signature this document carries.
    public var rootKey: String
    /// Publisher public keys (PEM) allowed to sign manifests.
    public var publishers: [String]
    /// Key ids never to trust again, whatever an older document or a local pin says.
    public var revoked: [String]
    /// The root the following documents are signed by (PEM), when this one rotates the root.
    public var nextRoot: String?
    /// Lowercase hex Ed25519 signature by `rootKey` over `signedBytes`.
    public var signature: String

    public static let documentType = "modelfleet-trust"
    /// Prefixed to the signed bytes, so no other signature by the same key can be replayed as one.
    static let domain = "modelfleet-trust-v1\n"

    /// Signs a new document with `root`.
    public init(
        version: Int, issuedAt: Timestamp = .now(), expires: Timestamp, publishers: [PublisherPublicKey], revoked: [String] = [],
        nextRoot: PublisherPublicKey? = nil, signedBy root: PublisherPrivateKey
    ) throws {
        guard version >= 1 else { throw FleetError.untrustedTrustDocument(reason: "version must be 1 or more, got \(version)") }
        guard expires > issuedAt else { throw FleetError.untrustedTrustDocument(reason: "it expires (\(expires)) before it is issued (\(issuedAt))") }
        type = Self.documentType
        self.version = version
        self.issuedAt = issuedAt
        self.expires = expires
        rootKey = root.publicKey.pem
        self.publishers = publishers.map(\.pem)
        self.revoked = revoked.sorted()
        self.nextRoot = nextRoot?.pem
        signature = ""
        signature = Hex.encode(try root.sign(try Self.signedBytes(of: TrustDocumentCoding.jsonValue(of: self))))
    }

    /// What the signature covers: the domain line, then the canonical JSON of every member but the signature.
    static func signedBytes(of document: JSONValue) -> [UInt8] {
        Array(domain.utf8) + ManifestCoding.signedBytes(of: document)
    }

    /// The publisher keys this document lets sign, revoked ones left out.
    public func allowedPublishers() throws -> [PublisherPublicKey] {
        let revoked = Set(revoked)
        return try publishers.enumerated().compactMap { index, pem in
            let key = try PublisherPublicKey(pem: pem, path: "trust document v\(version) publishers[\(index)]")
            return revoked.contains(key.keyID) ? nil : key
        }
    }

    /// The root that signs the document after this one.
    public func successorRoot() throws -> PublisherPublicKey {
        try PublisherPublicKey(pem: nextRoot ?? rootKey, path: "trust document v\(version) \(nextRoot == nil ? "rootKey" : "nextRoot")")
    }

    public func isExpired(at now: Timestamp) -> Bool { now >= expires }
}
