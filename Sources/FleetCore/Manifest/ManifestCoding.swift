#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns manifests into their one canonical byte form and back, with limits and clear errors.
///
/// Reading goes: size limit → strict JSON parse (byte offset on failure) → typed decode (field path on
/// failure) → `ManifestValidator`. Signatures are computed over `signedBytes`: the canonical encoding
/// of the received document without its `signature` member, so a member this build does not know is
/// still covered by the signature.
public enum ManifestCoding {
    /// Manifests larger than this are refused before parsing. A 10 GB model in 64 KiB chunks needs ~25 MB.
    public static let defaultMaximumBytes = 32 << 20

    /// The canonical JSON of a manifest (signature included if present).
    public static func encode(_ manifest: Manifest) throws -> [UInt8] {
        CanonicalJSON.encode(try jsonValue(of: manifest))
    }

    /// The bytes a publisher signs: canonical JSON of everything but `signature`.
    public static func signedBytes(of manifest: Manifest) throws -> [UInt8] {
        signedBytes(of: try jsonValue(of: manifest))
    }

    static func signedBytes(of document: JSONValue) -> [UInt8] {
        guard case .object(var members) = document else { return CanonicalJSON.encode(document) }
        members["signature"] = nil
        return CanonicalJSON.encode(.object(members))
    }

    /// SHA-256 of the canonical bytes: the manifest's name in the registry and in check-in answers.
    public static func digest(of manifest: Manifest) throws -> Digest {
        Digest.of(try encode(manifest))
    }

    /// Parses, decodes and validates a manifest. Returns it with the parsed document that signatures are checked over.
    public static func decode(_ bytes: [UInt8], maximumBytes: Int = defaultMaximumBytes) throws -> (manifest: Manifest, document: JSONValue) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, limits: .init(maximumBytes: maximumBytes))
        } catch {
            throw FleetError.malformedManifest(reason: error.description)
        }
        guard case .object(let members) = document else {
            throw FleetError.malformedManifest(reason: "the document is not a JSON object")
        }
        if case .integer(let format)? = members["format"], format != Manifest.currentFormat {
            throw FleetError.malformedManifest(reason: "format \(format) is not supported (this build reads format \(Manifest.currentFormat))")
        }
        let manifest: Manifest
        do {
            manifest = try JSONValueDecoder().decode(Manifest.self, from: document)
        } catch let error as DecodingError {
            throw FleetError.malformedManifest(reason: describe(error))
        }
        try ManifestValidator.validate(manifest)
        return (manifest, document)
    }

    static func jsonValue(of manifest: Manifest) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = [UInt8](try encoder.encode(manifest))
        // Our own encoder's output always parses; a failure here is a bug worth a clear message.
        do {
            return try JSONParser.parse(bytes, limits: .init(maximumBytes: .max))
        } catch {
            throw FleetError.invalidManifest(reason: "internal encoding produced unparseable JSON: \(error)")
        }
    }

    /// A one-line reason naming the field, e.g. `files[2].chunks[0].digest: malformed digest …`.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "(top level)" : text)
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required field is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .dataCorrupted(let context):
            let reason = (context.underlyingError as? FleetError)?.description ?? context.debugDescription
            return "\(path(context.codingPath)): \(reason)"
        @unknown default:
            return "\(error)"
        }
    }
}
