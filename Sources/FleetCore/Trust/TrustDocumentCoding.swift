#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Bytes ↔ `TrustDocument`, strictly: a document that does not parse, lacks a member or carries a
/// signature that does not verify against the root key it names never becomes a value.
public enum TrustDocumentCoding {
    /// Trust documents are small (a few keys); anything larger is refused before parsing.
    public static let maximumBytes = 1 << 20

    /// The canonical JSON of a signed document: what a registry stores and serves.
    public static func encode(_ document: TrustDocument) throws -> [UInt8] {
        CanonicalJSON.encode(try jsonValue(of: document))
    }

    /// Parses a document and checks its self-consistency and signature against the root key it names.
    /// Which root is acceptable, which version is new enough and whether it has expired is the
    /// caller's `TrustChain`'s decision.
    public static func decode(_ bytes: [UInt8]) throws -> TrustDocument {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes, limits: .init(maximumBytes: maximumBytes))
        } catch {
            throw FleetError.untrustedTrustDocument(reason: "malformed JSON: \(error)")
        }
        let document: TrustDocument
        do {
            document = try JSONValueDecoder().decode(TrustDocument.self, from: parsed)
        } catch let error as DecodingError {
            throw FleetError.untrustedTrustDocument(reason: ManifestCoding.describe(error))
        }
        guard document.type == TrustDocument.documentType else {
            throw FleetError.untrustedTrustDocument(reason: "type is '\(document.type)', not '\(TrustDocument.documentType)'")
        }
        guard document.version >= 1 else { throw FleetError.untrustedTrustDocument(reason: "version must be 1 or more, got \(document.version)") }
        let root = try PublisherPublicKey(pem: document.rootKey, path: "trust document v\(document.version) rootKey")
        guard let signature = Hex.decode(document.signature), signature.count == 64,
            root.isValidSignature(signature, for: TrustDocument.signedBytes(of: parsed))
        else {
            throw FleetError.untrustedTrustDocument(reason: "v\(document.version): the signature does not match the document and its root key \(root.keyID)")
        }
        // Every listed key must parse; a document the devices could not use is refused whole.
        _ = try document.allowedPublishers()
        _ = try document.successorRoot()
        return document
    }

    static func jsonValue(of document: TrustDocument) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try JSONParser.parse([UInt8](try encoder.encode(document)), limits: .init(maximumBytes: .max))
        } catch {
            throw FleetError.untrustedTrustDocument(reason: "internal encoding produced unparseable JSON: \(error)")
        }
    }
}
