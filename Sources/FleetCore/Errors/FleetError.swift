/// Every failure FleetCore reports, each with enough context to act on without a debugger:
/// which file, which chunk, what was expected and what was found.
///
/// Errors are values (not classes) so they cross actor and process boundaries unchanged;
/// `description` is the sentence an operator reads in a log or a CLI message.
public enum FleetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A digest string that is not `sha256:` followed by 64 lowercase hex digits.
    case malformedDigest(String, reason: String)
    /// Bytes whose SHA-256 is not the one they were named by.
    case digestMismatch(subject: String, expected: Digest, actual: Digest)
    /// A chunk's stored (compressed) bytes could not be decoded back to its original length.
    case corruptChunk(digest: Digest, reason: String)
    /// A codec name in a manifest that this build does not know.
    case unknownCodec(String)
    /// A codec library call failed (zlib or zstd return code, with the library's message).
    case codecFailure(codec: String, reason: String)
    /// A file could not be opened, read or written.
    case io(path: String, operation: String, errno: Int32)
    /// An ONNX file whose protobuf structure is broken; `offset` is the byte where parsing stopped.
    case malformedONNX(path: String, offset: UInt64, reason: String)
    /// A semantic version string that does not follow semver 2.0.
    case malformedVersion(String, reason: String)
    /// A timestamp that is not RFC 3339 UTC with one-second precision.
    case malformedTimestamp(String)
    /// Manifest JSON that cannot be read: truncated, malformed, over the size limit, or a bad field.
    case malformedManifest(reason: String)
    /// A manifest whose content contradicts itself (chunks that do not tile the file, duplicate paths, …).
    case invalidManifest(reason: String)
    /// A manifest with no signature, or one signed by a key the verifier does not trust.
    case untrustedManifest(reason: String)
    /// A trust document (the root's list of publisher keys) that is malformed, badly signed, signed by
    /// another root, older than the one accepted, or expired.
    case untrustedTrustDocument(reason: String)
    /// A manifest whose signature does not match its content.
    case badSignature(keyID: String, reason: String)
    /// A key file that cannot be parsed.
    case malformedKey(path: String, reason: String)
    /// A duration that is not a whole number followed by s, m, h or d.
    case invalidDuration(String)

    public var description: String {
        switch self {
        case .malformedDigest(let text, let reason):
            return "malformed digest '\(text.prefix(80))': \(reason)"
        case .digestMismatch(let subject, let expected, let actual):
            return "digest mismatch for \(subject): expected \(expected), got \(actual)"
        case .corruptChunk(let digest, let reason):
            return "corrupt chunk \(digest): \(reason)"
        case .unknownCodec(let name):
            return "unknown codec '\(name)' (known: \(ChunkCodec.allNames.joined(separator: ", ")))"
        case .codecFailure(let codec, let reason):
            return "\(codec) failed: \(reason)"
        case .io(let path, let operation, let code):
            return "cannot \(operation) \(path): \(SystemErrorText.describe(code)) (errno \(code))"
        case .malformedONNX(let path, let offset, let reason):
            return "malformed ONNX file \(path) at byte \(offset): \(reason)"
        case .malformedVersion(let text, let reason):
            return "malformed version '\(text.prefix(80))': \(reason)"
        case .malformedTimestamp(let text):
            return "malformed timestamp '\(text.prefix(40))': expected RFC 3339 UTC like 2026-11-27T08:30:00Z"
        case .malformedManifest(let reason):
            return "malformed manifest: \(reason)"
        case .invalidManifest(let reason):
            return "invalid manifest: \(reason)"
        case .untrustedManifest(let reason):
            return "untrusted manifest: \(reason)"
        case .untrustedTrustDocument(let reason):
            return "trust document refused: \(reason)"
        case .badSignature(let keyID, let reason):
            return "bad manifest signature (key \(keyID)): \(reason)"
        case .malformedKey(let path, let reason):
            return "malformed key file \(path): \(reason)"
        case .invalidDuration(let text):
            return "invalid duration '\(text.prefix(40))': expected a whole number and a unit, like 90s, 30m, 12h or 180d"
        }
    }
}
