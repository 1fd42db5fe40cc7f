/// The journal's tables, and the migration of journals written by older agents.
///
/// A device upgraded in the field opens the journal its previous agent wrote. `PRAGMA user_version`
/// says which schema a file has; each migration runs once, in the same transaction as the version bump,
/// so a power cut mid-migration leaves the old schema intact and the next start migrates again.
enum JournalSchema {
    /// 1: `syncs.selfTest` holds the self-test outcome as a typed value (before: only in the free-text `detail`).
    static let currentVersion = 1

    static func prepare(_ database: SQLiteDatabase) throws {
        try database.transaction {
            try database.execute(
                """
                CREATE TABLE IF NOT EXISTS syncs (model TEXT PRIMARY KEY, version TEXT NOT NULL, variant TEXT NOT NULL,
                    manifestDigest TEXT NOT NULL, phase TEXT NOT NULL, selfTest TEXT, detail TEXT NOT NULL, updatedAt INTEGER NOT NULL)
                """)
            try database.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)")
            try database.execute(
                """
                CREATE TABLE IF NOT EXISTS inference_stats (model TEXT NOT NULL, version TEXT NOT NULL, count INTEGER NOT NULL,
                    errors INTEGER NOT NULL, latency TEXT NOT NULL, PRIMARY KEY (model, version))
                """)
            if try version(of: database) < 1 { try addTypedSelfTest(database) }
            try database.execute("PRAGMA user_version = \(currentVersion)")
        }
    }

    static func version(of database: SQLiteDatabase) throws -> Int {
        try database.execute("PRAGMA user_version").first?.first.flatMap { $0.flatMap(Int.init) } ?? 0
    }

    /// Version 0 kept the self-test outcome only as text in `detail` ("self-test failed: …" on a failed
    /// sync, "; self-test skipped: …" in an activation note). This is the one place that text is parsed.
    private static func addTypedSelfTest(_ database: SQLiteDatabase) throws {
        let columns = try database.execute("PRAGMA table_info(syncs)").compactMap { $0.count > 1 ? $0[1] : nil }
        if !columns.contains("selfTest") { try database.execute("ALTER TABLE syncs ADD COLUMN selfTest TEXT") }
        try database.execute(
            """
            UPDATE syncs SET selfTest = 'failed' WHERE phase = 'failed' AND substr(detail, 1, 16) = 'self-test failed'
            """)
        try database.execute(
            """
            UPDATE syncs SET selfTest = CASE WHEN instr(detail, 'self-test skipped') > 0 THEN 'skipped' ELSE 'passed' END
            WHERE phase = 'activated'
            """)
    }
}
