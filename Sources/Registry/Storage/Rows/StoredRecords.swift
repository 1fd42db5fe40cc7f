import FleetCore

/// Every record decoded from its stored columns, for both stores: the tables have the same columns in
/// SQLite and PostgreSQL, so a record is read back the same way from either.
enum StoredRecords {
    static func chunk(_ row: some StoredRow) throws -> ChunkRecord {
        ChunkRecord(
            digest: try Digest(parsing: row.text("digest")), length: Int(try row.integer("length")), storedLength: Int(try row.integer("storedLength")),
            codec: try ChunkCodec(parsing: row.text("codec")))
    }

    static func publisher(_ row: some StoredRow) throws -> RegisteredPublisher {
        RegisteredPublisher(keyID: try row.text("keyID"), publicKeyPEM: try row.text("publicKeyPEM"), registeredAt: try row.timestamp("registeredAt"))
    }

    static func trustDocument(_ row: some StoredRow) throws -> StoredTrustDocument {
        StoredTrustDocument(version: Int(try row.integer("version")), bytes: try row.bytes("document"), acceptedAt: try row.timestamp("acceptedAt"))
    }

    static func version(_ row: some StoredRow) throws -> VersionRecord {
        VersionRecord(
            model: try row.text("model"), version: try SemanticVersion(parsing: row.text("version")), variant: try row.text("variant"),
            manifestDigest: try Digest(parsing: row.text("manifestDigest")), manifest: try row.bytes("manifest"), publisher: try row.text("publisher"),
            createdAt: try row.timestamp("createdAt"), committedAt: try row.timestamp("committedAt"),
            totalSize: UInt64(clamping: try row.integer("totalSize")), storedSize: UInt64(clamping: try row.integer("storedSize")),
            requirements: try row.optionalText("requirements").map(StableJSON.decode), held: try row.flag("held"))
    }

    static func token(_ row: some StoredRow) throws -> TokenRecord {
        TokenRecord(
            hash: try row.text("hash"), kind: TokenKind(rawValue: try row.text("kind")) ?? .device, scopes: scopes(try row.text("scopes")),
            deviceID: try row.optionalText("deviceID"), label: try row.text("label"), createdAt: try row.timestamp("createdAt"),
            expiresAt: try row.optionalTimestamp("expiresAt"), revokedAt: try row.optionalTimestamp("revokedAt"),
            lastUsedAt: try row.optionalTimestamp("lastUsedAt"))
    }

    /// Scopes are stored as one comma-separated column.
    static func scopesColumn(_ scopes: [Scope]) -> String { scopes.map(\.rawValue).joined(separator: ",") }

    static func scopes(_ column: String) -> [Scope] { column.split(separator: ",").compactMap { Scope(rawValue: String($0)) } }

    static func device(_ row: some StoredRow) throws -> DeviceRecord {
        DeviceRecord(
            id: try row.text("id"), profile: try StableJSON.decode(row.text("profile")), labels: try StableJSON.decode(row.text("labels")),
            enrolledAt: try row.timestamp("enrolledAt"), lastSeenAt: try row.optionalTimestamp("lastSeenAt"),
            lastCheckin: try row.optionalText("lastCheckin").map(StableJSON.decode))
    }

    static func assignment(_ row: some StoredRow) throws -> AssignmentRecord {
        AssignmentRecord(
            model: try row.text("model"), selector: try LabelSelector(parsing: row.text("selector")),
            version: try row.optionalText("version").map(SemanticVersion.init(parsing:)), variant: try row.optionalText("variant"),
            updatedAt: try row.timestamp("updatedAt"))
    }

    static func health(_ row: some StoredRow) throws -> DeviceVersionHealth {
        DeviceVersionHealth(
            deviceID: try row.text("deviceID"), model: try row.text("model"), version: try SemanticVersion(parsing: row.text("version")),
            install: try row.optionalText("install").flatMap(InstallReport.Result.init(rawValue:)),
            selfTest: try row.optionalText("selfTest").flatMap(InstallReport.SelfTest.init(rawValue:)), message: try row.optionalText("message"),
            inferences: UInt64(clamping: try row.integer("inferences")), errors: UInt64(clamping: try row.integer("errors")),
            latencyP50Milliseconds: try row.optionalReal("p50"), latencyP95Milliseconds: try row.optionalReal("p95"),
            updatedAt: try row.timestamp("updatedAt"))
    }

    static func event(_ row: some StoredRow) throws -> RecordedEvent {
        RecordedEvent(deviceID: try row.text("deviceID"), receivedAt: try row.timestamp("receivedAt"), event: try StableJSON.decode(row.text("event")))
    }

    static func audit(_ row: some StoredRow) throws -> AuditEntry {
        AuditEntry(
            at: try row.timestamp("at"), actor: try row.text("actor"), action: try row.text("action"), subject: try row.text("subject"),
            detail: try row.text("detail"))
    }

    /// Rollouts are stored whole as JSON (`body`); model, state and revision are columns for queries.
    static func rollout(_ row: some StoredRow) throws -> Rollout { try StableJSON.decode(row.text("body")) }
}
