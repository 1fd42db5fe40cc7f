/// Trust documents on the wire (`/v1/trust`). The documents themselves travel as the signed JSON
/// the root made (`TrustDocumentCoding`); this is the registry's summary of one it accepted.

/// `PUT /v1/trust` answer: what the registry now trusts.
public struct TrustSummary: Codable, Equatable, Sendable {
    public var version: Int
    public var issuedAt: Timestamp
    public var expires: Timestamp
    /// Key id of the root that signed it.
    public var root: String
    /// Key id of the root that signs the next document, when this one rotates the root.
    public var nextRoot: String?
    /// Key ids of the publishers it allows (revoked ones left out).
    public var publishers: [String]
    public var revoked: [String]

    public init(_ document: TrustDocument) throws {
        version = document.version
        issuedAt = document.issuedAt
        expires = document.expires
        root = try PublisherPublicKey(pem: document.rootKey).keyID
        nextRoot = try document.nextRoot.map { try PublisherPublicKey(pem: $0).keyID }
        publishers = try document.allowedPublishers().map(\.keyID).sorted()
        revoked = document.revoked
    }
}
