import FleetCore

/// The decisions a metadata store makes inside its transactions that do not depend on its SQL: which rows a
/// change touches and what they become. Each store reads the rows, asks these, and writes the answer back.
enum StoreRules {
    /// The states of rollouts that block a new rollout of the same model (unless it supersedes them), as stored.
    static let inFlightStates = RolloutState.allCases.filter(\.isInFlight).map(\.rawValue)

    /// An in-flight rollout a new one of the same model replaces, ended as aborted, with its audit line.
    static func superseded(_ old: Rollout, by new: Rollout, audit: AuditEntry) -> (Rollout, AuditEntry) {
        var ended = old
        ended.state = .aborted
        ended.reason = "superseded by rollout \(new.id)"
        ended.updatedAt = new.createdAt
        return (ended, AuditEntry(at: audit.at, actor: audit.actor, action: "rollout.aborted", subject: ended.id, detail: ended.reason ?? ""))
    }

    /// In-flight rollouts of a removed model, or to a removed version none of whose variants remain, end as
    /// aborted: they could place devices on nothing. `remainingVersions`: the model's versions still stored.
    static func abortedByRemoval(
        _ inFlight: [Rollout], model: String, wholeModel: Bool, remainingVersions: Set<String>, audit: AuditEntry
    ) -> [(Rollout, AuditEntry)] {
        inFlight.compactMap { rollout in
            guard wholeModel || !remainingVersions.contains(rollout.version.description) else { return nil }
            var ended = rollout
            ended.state = .aborted
            ended.reason = wholeModel ? "model \(model) was removed" : "version \(rollout.version) was removed"
            ended.updatedAt = audit.at
            return (ended, AuditEntry(at: audit.at, actor: audit.actor, action: "rollout.aborted", subject: ended.id, detail: ended.reason ?? ""))
        }
    }

    /// The variants `deleteVersions` removes: all of `model`'s versions when `version` is nil, all variants when `variant` is.
    static func doomed(_ versions: [VersionRecord], model: String, version: SemanticVersion?, variant: String?) throws -> [VersionRecord] {
        let doomed = versions.filter { record in
            (version == nil || record.version == version) && (variant == nil || record.variant == variant)
        }
        guard !doomed.isEmpty else { throw StoreRefusals.noVersions(model: model, version: version, variant: variant) }
        return doomed
    }

    /// The token `revokeToken` revokes: the one working token whose hash starts with `hashPrefix`, unless it is
    /// the last working admin-scope token. `candidates`: the unrevoked tokens with that prefix; `unrevokedAdmins`:
    /// every unrevoked admin token, read in the same transaction.
    static func tokenToRevoke(_ candidates: [TokenRecord], hashPrefix: String, unrevokedAdmins: [TokenRecord], at: Timestamp) throws -> TokenRecord {
        guard candidates.count == 1, let token = candidates.first else { throw StoreRefusals.noWorkingToken(hashPrefix) }
        if token.kind == .admin, token.scopes.contains(.admin) {
            let others = unrevokedAdmins.filter { $0.hash != token.hash && $0.isWorkingAdmin(at: at) }
            guard !others.isEmpty else { throw StoreRefusals.lastAdminToken(token) }
        }
        return token
    }

    /// The distinct chunks a version references, in manifest order.
    static func distinctDigests(_ digests: [Digest]) -> [Digest] {
        var seen = Set<Digest>()
        return digests.filter { seen.insert($0).inserted }
    }
}

extension TokenRecord {
    /// An admin token with the admin scope that is neither revoked nor expired at `at`.
    func isWorkingAdmin(at: Timestamp) -> Bool {
        kind == .admin && scopes.contains(.admin) && revokedAt == nil && (expiresAt.map { $0 > at } ?? true)
    }
}
