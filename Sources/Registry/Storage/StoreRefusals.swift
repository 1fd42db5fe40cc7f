import FleetCore

/// What a metadata store refuses, worded once for every store: both stores throw these, so a client reads
/// the same message whichever store the registry runs on (the conformance tests hold them to it).
enum StoreRefusals {
    static func versionExists(_ version: VersionRecord) -> StorageError {
        .conflict("\(version.model) \(version.version) (\(version.variant)) already exists; versions are immutable, publish a new version")
    }

    static func chunksCollected(_ missing: [Digest]) -> StorageError {
        .missingChunks(digests: missing, "\(missing.count) chunk(s) named by the manifest were garbage-collected before the commit; upload them again")
    }

    static func trustDocumentNotNewer(_ version: Int, newest: Int) -> StorageError {
        .conflict("trust document v\(version) is not newer than the registry's v\(newest)")
    }

    static func rolloutsInFlight(model: String, _ ids: [String]) -> StorageError {
        .conflict("model \(model) already has rollout \(ids.joined(separator: ", ")) in flight; pause it, abort it, or pass \"supersede\": true")
    }

    static func rolloutChanged(_ rollout: Rollout) -> StorageError {
        .conflict("rollout \(rollout.id) changed meanwhile (it is past revision \(rollout.revision)); look again and retry")
    }

    static func noRollout(_ id: String) -> StorageError { .notFound("no rollout \(id)") }

    static func deviceNotEnrolled(_ id: String) -> StorageError { .notFound("device \(id) is not enrolled") }

    static func deviceNotInFleet(_ id: String) -> StorageError { .notFound("device \(id) is not enrolled (or was already decommissioned)") }

    static func noWorkingToken(_ hashPrefix: String) -> StorageError {
        .notFound("no working token \(TokenID.prefix)\(hashPrefix) (see fleetctl tokens ls)")
    }

    static func lastAdminToken(_ token: TokenRecord) -> StorageError {
        .conflict(
            "\(token.id) ('\(token.label)') is the last working admin-scope token; create another (fleetctl tokens create --scope admin) before revoking it")
    }

    static func noVersions(model: String, version: SemanticVersion?, variant: String?) -> StorageError {
        .notFound("\(model) has no \(version.map { "version \($0)" } ?? "versions")\(variant.map { " (\($0))" } ?? "")")
    }
}
