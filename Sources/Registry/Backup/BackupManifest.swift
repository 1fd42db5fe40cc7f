public import FleetCore

/// `backup.json`, written last into a backup folder: a folder without it is not a finished backup, and
/// restore refuses it. The database's digest catches a copy that was cut short or changed since.
public struct BackupManifest: Codable, Sendable {
    public static let fileName = "backup.json"
    public static let currentFormat = 1

    public var format: Int
    public var createdAt: Timestamp
    /// SHA-256 of `registry.sqlite` in the backup.
    public var database: Digest
    /// Chunks copied whole and verified.
    public var chunks: Int
    public var storedBytes: Int64
    /// Chunks that committed versions reference but whose bytes were missing or damaged in the source: the
    /// backup holds them quarantined, so the restored registry asks for them again (`fleetctl push` repairs).
    public var damaged: [Digest]
}
