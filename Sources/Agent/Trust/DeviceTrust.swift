public import FleetCore
import FleetHTTP
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which publishers this device accepts manifests from, and why not when it accepts none.
///
/// Simple set-ups pin publisher keys (`--trust`). With a pinned root (`--trust-root`) the device
/// follows the root's trust documents instead: it fetches newer ones at check-in, accepts each only
/// if the current root signed it and it is newer (`TrustChain`), keeps the newest on disk, and takes
/// its publishers (plus any pinned keys, minus everything it revokes). While it has no document, or
/// its document has expired, it installs nothing new: a registry that stops serving documents (a
/// freeze attack) cannot keep a device on old keys silently, because every refused sync says why.
final class DeviceTrust: Sendable {
    private let pinned: [PublisherPublicKey]
    private let root: PublisherPublicKey?
    private let directory: String
    private let chain: Mutex<TrustChain?>

    /// Loads the document accepted before a restart; one accepted under another pinned root is set
    /// aside (the operator changed the root), and the chain starts again at the configured one.
    init(pinned: [PublisherPublicKey], root: PublisherPublicKey?, dataDirectory: String) throws {
        self.pinned = pinned
        self.root = root
        directory = dataDirectory + "/trust"
        var chain = root.map { TrustChain(root: $0) }
        if let root, let stored = try? [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/document.json"))),
            let pinnedID = try? String(contentsOfFile: directory + "/pinned-root", encoding: .utf8), pinnedID == root.keyID
        {
            chain = try TrustChain(resumingAt: try TrustDocumentCoding.decode(stored))
        }
        self.chain = Mutex(chain)
    }

    /// The newest accepted document's version (nil before one, or without a pinned root).
    var version: Int? { chain.withLock { $0?.latest?.version } }

    /// Fetches and accepts the documents after ours when the registry has a newer one; the refusal
    /// (a bad signature, another root, a rollback) when one is not accepted. What was accepted
    /// before the refusal stays accepted.
    func update(registryVersion: Int?, from registry: RegistryClient) async -> String? {
        guard root != nil, let registryVersion, registryVersion > (version ?? 0) else { return nil }
        let documents: [[UInt8]]
        do { documents = try await registry.trustDocuments(after: version ?? 0) } catch {
            return "cannot fetch trust documents: \(error)"
        }
        for bytes in documents {
            do { try accept(bytes) } catch { return "\(error)" }
        }
        return nil
    }

    /// Accepts one document and stores it before it takes effect (a crash in between leaves the old one).
    func accept(_ bytes: [UInt8]) throws {
        guard let root else { return }
        var next = chain.withLock { $0 } ?? TrustChain(root: root)
        let document = try next.accept(bytes)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try DurableWrite.write(Array(root.keyID.utf8), to: directory + "/pinned-root")
        try DurableWrite.write(try TrustDocumentCoding.encode(document), to: directory + "/document.json.new")
        try DurableWrite.rename(directory + "/document.json.new", to: directory + "/document.json", directory: directory)
        chain.withLock { $0 = next }
    }

    /// The publishers a manifest may be signed by now, or why none may.
    func publishers(at now: Timestamp) -> Result<TrustedPublishers, SyncRejection> {
        guard root != nil else { return .success(TrustedPublishers(pinned)) }
        let chain = chain.withLock { $0 }
        guard let chain, let latest = chain.latest else {
            return pinned.isEmpty
                ? .failure(SyncRejection(description: "no trust document yet from the pinned root: installing nothing until the registry serves one"))
                : .success(TrustedPublishers(pinned))
        }
        guard !latest.isExpired(at: now) else {
            return .failure(
                SyncRejection(
                    description:
                        "trust document v\(latest.version) expired at \(latest.expires): installing nothing new until the registry serves a newer one (live models keep serving)"
                ))
        }
        do {
            let revoked = Set(latest.revoked)
            let allowed = try latest.allowedPublishers() + pinned.filter { !revoked.contains($0.keyID) }
            return .success(TrustedPublishers(allowed))
        } catch {
            return .failure(SyncRejection(description: "the accepted trust document cannot be used: \(error)"))
        }
    }
}
