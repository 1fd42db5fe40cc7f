/// The advisory locks the PostgreSQL store takes (`pg_advisory_xact_lock`, released at commit or rollback).
///
/// SQLite runs one write transaction at a time, so a check and the write it guards can never interleave with
/// another replica's. PostgreSQL runs them side by side (READ COMMITTED), so each check-then-write that must
/// not interleave takes one of these first; every statement after the lock sees what the previous holder
/// committed. Keys are arbitrary constants in the single-bigint key space, distinct from any other user's by
/// their high bits ("MFLT").
enum PostgresLocks {
    private static let base: Int64 = 0x4D46_4C54_0000_0000

    /// Schema migrations: replicas starting at once apply them one after another.
    static let migrations = base + 1
    /// Commits take it shared (they run side by side), chunk deletion exclusive: a commit that checks its
    /// chunks either runs before the deletion (and its references then keep the chunks) or after it (and
    /// sees them gone: `missingChunks`), exactly as SQLite's one writer orders them.
    static let chunkReferences = base + 2
    /// Trust documents: the "newer than every stored one" check and the insert.
    static let trustDocuments = base + 3
    /// Token revocation: the "not the last working admin token" check and the revocation.
    static let tokenRevocation = base + 4
    /// Rollout creation and removal: the "none in flight for this model" check and the insert.
    static let rollouts = base + 5
    /// Session-scoped, not transaction-scoped: held by the replica that leads fleet-wide work for as long as
    /// its own connection lives (`PostgresLeadership`).
    static let leadership = base + 6
}
