/// What a verifier (a device, or the registry) has accepted so far: the root the next document must
/// be signed by, and the newest document. Accepting is all-or-nothing per document and only moves
/// forward: a lower or equal version, another root, or a bad signature leaves the chain as it was.
public struct TrustChain: Sendable, Equatable {
    /// The key the next document must be signed by (the pinned root, or the one a rotation named).
    public private(set) var root: PublisherPublicKey
    public private(set) var latest: TrustDocument?

    /// A chain that starts at a pinned root, with nothing accepted yet.
    public init(root: PublisherPublicKey) {
        self.root = root
        latest = nil
    }

    /// The chain whose newest accepted document is `document` (as stored by whoever accepted it).
    public init(resumingAt document: TrustDocument) throws {
        root = try document.successorRoot()
        latest = document
    }

    /// Accepts the next document: signed by `root`, a higher version than `latest`. Expiry is not
    /// checked here (an expired document still moves the chain, so a device offline for long
    /// follows every rotation on its way to the current one); `isCurrent(at:)` tells.
    @discardableResult
    public mutating func accept(_ bytes: [UInt8]) throws -> TrustDocument {
        let document = try TrustDocumentCoding.decode(bytes)
        let signer = try PublisherPublicKey(pem: document.rootKey, path: "trust document v\(document.version) rootKey")
        guard signer == root else {
            throw FleetError.untrustedTrustDocument(
                reason: "v\(document.version) is signed by root \(signer.keyID), but the trusted root is \(root.keyID)")
        }
        if let latest, document.version <= latest.version {
            throw FleetError.untrustedTrustDocument(
                reason: "v\(document.version) is not newer than the accepted v\(latest.version) (a rollback to an older list of keys is refused)")
        }
        root = try document.successorRoot()
        latest = document
        return document
    }

    /// Whether the newest accepted document is unexpired at `now`.
    public func isCurrent(at now: Timestamp) -> Bool { latest.map { !$0.isExpired(at: now) } ?? false }

    /// The publishers the newest document allows (none before the first document).
    public func publishers() throws -> TrustedPublishers {
        TrustedPublishers(try latest?.allowedPublishers() ?? [])
    }
}
