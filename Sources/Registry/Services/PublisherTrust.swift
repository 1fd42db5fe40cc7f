public import FleetCore

/// Which publisher keys the registry accepts, and the trust documents that say so.
///
/// Before any trust document, the registered keys (`POST /v1/publishers`) are the list. The first
/// trust document an admin uploads sets the registry's root (the registry has no root of its own to
/// check it against: whoever holds an admin token decides, once); from then on only a newer document
/// signed by that root (or the root a rotation named) is accepted, and its publishers, revoked ones
/// left out, replace the registered keys for commits and rollback directives.
public struct PublisherTrust: Sendable {
    let store: any MetadataStore

    /// The newest accepted document, if any.
    func latest() async throws -> TrustDocument? {
        guard let stored = try await store.trustDocuments(after: 0).last else { return nil }
        return try TrustDocumentCoding.decode(stored.bytes)
    }

    /// The keys whose manifests and rollback directives are accepted now.
    func trustedPublishers() async throws -> TrustedPublishers {
        if let latest = try await latest() { return TrustedPublishers(try latest.allowedPublishers()) }
        return TrustedPublishers(try await store.publishers().map { try PublisherPublicKey(pem: $0.publicKeyPEM, path: "publisher \($0.keyID)") })
    }

    /// Refuses a manifest's signer that the newest document revokes, with that reason (the generic
    /// "not among the trusted keys" would hide why a key that used to work stopped).
    func checkNotRevoked(_ keyID: String) async throws {
        guard let latest = try await latest(), latest.revoked.contains(keyID) else { return }
        throw FleetError.untrustedManifest(reason: "publisher key \(keyID) is revoked by trust document v\(latest.version)")
    }

    /// Accepts an uploaded document: the first sets the root; later ones must continue the chain.
    /// An expired document is refused (devices would install nothing under it).
    public func publish(_ bytes: [UInt8], by actor: String, now: Timestamp) async throws -> TrustDocument {
        var chain: TrustChain
        if let latest = try await latest() {
            chain = try TrustChain(resumingAt: latest)
        } else {
            let first = try TrustDocumentCoding.decode(bytes)
            chain = TrustChain(root: try PublisherPublicKey(pem: first.rootKey, path: "trust document rootKey"))
        }
        let document = try chain.accept(bytes)
        guard !document.isExpired(at: now) else {
            throw FleetError.untrustedTrustDocument(reason: "v\(document.version) expired at \(document.expires)")
        }
        let summary = try TrustSummary(document)
        let rotation = summary.nextRoot.map { ", hands the root over to \($0)" } ?? ""
        try await store.insertTrustDocument(
            StoredTrustDocument(version: document.version, bytes: try TrustDocumentCoding.encode(document), acceptedAt: now),
            audit: AuditEntry(
                at: now, actor: actor, action: "trust.publish", subject: "v\(document.version)",
                detail:
                    "root \(summary.root), \(summary.publishers.count) publisher(s), \(summary.revoked.count) revoked, expires \(document.expires)\(rotation)"))
        return document
    }

    /// `GET /v1/trust` answer: `{"documents":[…]}` with the stored signed documents as they are.
    func documentsJSON(after version: Int) async throws -> [UInt8] {
        let documents = try await store.trustDocuments(after: version)
        var out = Array(#"{"documents":["#.utf8)
        for (index, document) in documents.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += document.bytes
        }
        out += Array("]}".utf8)
        return out
    }
}
