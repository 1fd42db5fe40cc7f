public import FleetCore

/// How `GET /v1/chunks/{digest}` answers when the chunks live in S3 (`storage.chunk_downloads`).
///
/// `stream` (the default): the registry reads the object, verifies it against its digest, keeps it in
/// the memory cache and sends it, so rotten bytes are quarantined once and never reach a device.
/// `redirect`: the registry answers 302 with a presigned S3 URL valid for
/// `redirectLifetimeSeconds`; the device fetches the bytes from S3 itself and
/// verifies them as always. Measured and argued in docs/decisions.md ("S3 chunk downloads").
public enum ChunkDownloads: String, Sendable, Equatable, CaseIterable {
    case stream
    case redirect

    /// Five minutes: long enough for a slow device to start the download (S3 checks the expiry when a
    /// request starts, not when its body ends), short enough that a leaked URL is soon worthless.
    public static let redirectLifetimeSeconds = 300

    public init(parsing text: String) throws {
        guard let mode = ChunkDownloads(rawValue: text) else {
            throw RegistryConfiguration.Invalid(description: "storage.chunk_downloads must be 'stream' or 'redirect', got '\(text)'")
        }
        self = mode
    }
}

/// A chunk store that can hand out a time-limited URL for a stored form, so devices fetch the bytes
/// from it directly (`ChunkDownloads.redirect`). The S3 store is one; the file store is not.
public protocol PresigningChunkStore: ChunkBlobStore {
    /// A URL that serves the stored form (and honours `Range`) for `seconds`, needing no other credential.
    func presignedURL(for digest: Digest, codec: ChunkCodec, expiresIn seconds: Int) -> String
}
