/// The PostgreSQL store's schema versions. Version 1 is the end state of the SQLite store's migrations v1–v6
/// (chunks, publishers, versions, tokens, devices, assignments, events, device health, rollouts, audit, the
/// lifecycle columns and chunk references, trust documents), with the same tables and column names, so
/// `StoredRecords` reads rows of either store. A later change appends a version; applied ones never change.
///
/// Differences from SQLite, each for a reason: text keys that are sorted or compared by range use
/// `COLLATE "C"` (byte order, as SQLite's), whatever the database's default collation; `seq` identity columns
/// stand in for SQLite's `rowid` where rows are listed in insertion order; booleans are `BOOLEAN`, bytes `BYTEA`.
enum PostgresSchema {
    struct Migration: Sendable {
        var version: Int
        var name: String
        /// One statement each: the extended query protocol runs one statement per query.
        var statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "metadata tables (SQLite v1-v6)",
            statements: [
                """
                CREATE TABLE chunks (digest TEXT COLLATE "C" PRIMARY KEY, length BIGINT NOT NULL, storedLength BIGINT NOT NULL,
                    codec TEXT NOT NULL, recordedAt BIGINT NOT NULL DEFAULT 0)
                """,
                "CREATE TABLE publishers (keyID TEXT COLLATE \"C\" PRIMARY KEY, publicKeyPEM TEXT NOT NULL, registeredAt BIGINT NOT NULL)",
                """
                CREATE TABLE versions (
                    model TEXT COLLATE "C" NOT NULL, version TEXT COLLATE "C" NOT NULL, variant TEXT COLLATE "C" NOT NULL,
                    manifestDigest TEXT NOT NULL, manifest BYTEA NOT NULL, publisher TEXT NOT NULL,
                    createdAt BIGINT NOT NULL, committedAt BIGINT NOT NULL, totalSize BIGINT NOT NULL, storedSize BIGINT NOT NULL,
                    requirements TEXT, held BOOLEAN NOT NULL DEFAULT FALSE,
                    PRIMARY KEY (model, version, variant))
                """,
                """
                CREATE TABLE tokens (seq BIGINT GENERATED ALWAYS AS IDENTITY, hash TEXT COLLATE "C" PRIMARY KEY, kind TEXT NOT NULL,
                    scopes TEXT NOT NULL, deviceID TEXT, label TEXT NOT NULL, createdAt BIGINT NOT NULL,
                    expiresAt BIGINT, revokedAt BIGINT, lastUsedAt BIGINT)
                """,
                "CREATE INDEX tokens_by_device ON tokens(deviceID)",
                """
                CREATE TABLE devices (id TEXT COLLATE "C" PRIMARY KEY, profile TEXT NOT NULL, labels TEXT NOT NULL, enrolledAt BIGINT NOT NULL,
                    lastSeenAt BIGINT, lastCheckin TEXT, decommissionedAt BIGINT)
                """,
                """
                CREATE TABLE assignments (model TEXT COLLATE "C" NOT NULL, selector TEXT COLLATE "C" NOT NULL, version TEXT, variant TEXT,
                    updatedAt BIGINT NOT NULL, PRIMARY KEY (model, selector))
                """,
                """
                CREATE TABLE events (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, deviceID TEXT NOT NULL, receivedAt BIGINT NOT NULL,
                    event TEXT NOT NULL)
                """,
                "CREATE INDEX events_by_device ON events(deviceID, id)",
                """
                CREATE TABLE device_health (
                    deviceID TEXT COLLATE "C" NOT NULL, model TEXT COLLATE "C" NOT NULL, version TEXT COLLATE "C" NOT NULL,
                    install TEXT, selfTest TEXT, message TEXT,
                    inferences BIGINT NOT NULL DEFAULT 0, errors BIGINT NOT NULL DEFAULT 0, p50 DOUBLE PRECISION, p95 DOUBLE PRECISION,
                    updatedAt BIGINT NOT NULL,
                    PRIMARY KEY (deviceID, model, version))
                """,
                "CREATE INDEX device_health_by_model ON device_health(model, version)",
                """
                CREATE TABLE rollouts (seq BIGINT GENERATED ALWAYS AS IDENTITY, id TEXT PRIMARY KEY, model TEXT NOT NULL, state TEXT NOT NULL,
                    revision BIGINT NOT NULL, createdAt BIGINT NOT NULL, body TEXT NOT NULL)
                """,
                "CREATE INDEX rollouts_by_model ON rollouts(model, state)",
                """
                CREATE TABLE audit (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL,
                    action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL)
                """,
                "CREATE INDEX audit_by_time ON audit(at, id)",
                """
                CREATE TABLE version_chunks (model TEXT NOT NULL, version TEXT NOT NULL, variant TEXT NOT NULL, digest TEXT COLLATE "C" NOT NULL,
                    PRIMARY KEY (model, version, variant, digest))
                """,
                "CREATE INDEX version_chunks_by_digest ON version_chunks(digest)",
                "CREATE TABLE trust_documents (version BIGINT PRIMARY KEY, document BYTEA NOT NULL, acceptedAt BIGINT NOT NULL)"
            ])
    ]

    static var latest: Int { migrations.map(\.version).max() ?? 0 }
}
