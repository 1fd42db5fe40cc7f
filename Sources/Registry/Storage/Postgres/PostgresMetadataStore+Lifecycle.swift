public import FleetCore
import PostgresNIO

/// Revoking tokens, decommissioning devices, profile changes and version removal.
extension PostgresMetadataStore {
    public func tokens() async throws -> [TokenRecord] {
        try await rows("SELECT * FROM tokens ORDER BY createdAt, seq").map(StoredRecords.token)
    }

    /// Two statements for the whole batch: the rows locked in hash order (two replicas writing overlapping uses
    /// cannot deadlock), then one update from the arrays of hashes and times.
    public func recordTokenUses(_ uses: [String: Timestamp]) async throws {
        guard !uses.isEmpty else { return }
        let ordered = uses.sorted { $0.key < $1.key }
        let (hashes, times) = (ordered.map(\.key), ordered.map(\.value.secondsSinceEpoch))
        try await transaction { session in
            try await session.run("SELECT hash FROM tokens WHERE hash = ANY(\(hashes)) ORDER BY hash FOR UPDATE")
            try await session.run(
                """
                UPDATE tokens SET lastUsedAt = u.at FROM unnest(\(hashes)::text[], \(times)::bigint[]) AS u(hash, at)
                WHERE tokens.hash = u.hash AND (tokens.lastUsedAt IS NULL OR tokens.lastUsedAt < u.at)
                """)
        }
    }

    /// Holds `PostgresLocks.tokenRevocation`: two revocations at once cannot both see the other admin token working.
    public func revokeToken(hashPrefix: String, audit: AuditEntry) async throws -> TokenRecord {
        try await transaction { session in
            try await session.lock(PostgresLocks.tokenRevocation)
            let candidates = try await session.rows("SELECT * FROM tokens WHERE starts_with(hash, \(hashPrefix)) AND revokedAt IS NULL")
                .map(StoredRecords.token)
            let admins = try await session.rows("SELECT * FROM tokens WHERE kind = 'admin' AND revokedAt IS NULL").map(StoredRecords.token)
            var token = try StoreRules.tokenToRevoke(candidates, hashPrefix: hashPrefix, unrevokedAdmins: admins, at: audit.at)
            try await session.run("UPDATE tokens SET revokedAt = \(audit.at.secondsSinceEpoch) WHERE hash = \(token.hash)")
            try await session.insert(audit)
            token.revokedAt = audit.at
            return token
        }
    }

    public func decommissionDevice(id: String, audit: AuditEntry) async throws {
        let at = audit.at.secondsSinceEpoch
        try await transaction { session in
            let changed = try await session.rows("UPDATE devices SET decommissionedAt = \(at) WHERE id = \(id) AND decommissionedAt IS NULL RETURNING id")
            guard !changed.isEmpty else { throw StoreRefusals.deviceNotInFleet(id) }
            try await session.run("UPDATE tokens SET revokedAt = \(at) WHERE kind = 'device' AND deviceID = \(id) AND revokedAt IS NULL")
            try await session.insert(audit)
        }
    }

    public func decommissionedAt(deviceID: String) async throws -> Timestamp? {
        try await rows("SELECT decommissionedAt FROM devices WHERE id = \(deviceID)").first?.optionalTimestamp("decommissionedAt")
    }

    public func updateProfile(deviceID: String, profile: DeviceProfile, audit: AuditEntry) async throws {
        let (profileText, labelsText) = (try StableJSON.encode(profile), try StableJSON.encode(profile.labels))
        try await transaction { session in
            let changed = try await session.rows(
                "UPDATE devices SET profile = \(profileText), labels = \(labelsText) WHERE id = \(deviceID) AND decommissionedAt IS NULL RETURNING id")
            guard !changed.isEmpty else { throw StoreRefusals.deviceNotEnrolled(deviceID) }
            try await session.insert(audit)
        }
    }

    public func deleteVersions(model: String, version: SemanticVersion?, variant: String?, audit: AuditEntry) async throws -> [VersionRecord] {
        let doomed = try StoreRules.doomed(try await versions(of: model), model: model, version: version, variant: variant)
        let keys = doomed.map { (version: $0.version.description, variant: $0.variant) }
        try await transaction { session in
            try await session.lock(PostgresLocks.rollouts)
            for key in keys {
                try await session.run("DELETE FROM versions WHERE model = \(model) AND version = \(key.version) AND variant = \(key.variant)")
                try await session.run("DELETE FROM version_chunks WHERE model = \(model) AND version = \(key.version) AND variant = \(key.variant)")
            }
            if version == nil { try await session.run("DELETE FROM assignments WHERE model = \(model)") }
            let remaining = Set(try await session.rows("SELECT DISTINCT version FROM versions WHERE model = \(model)").map { try $0.text("version") })
            let inFlight = try await Self.inFlightRollouts(model: model, session)
            for (ended, line) in StoreRules.abortedByRemoval(inFlight, model: model, wholeModel: version == nil, remainingVersions: remaining, audit: audit) {
                _ = try await Self.update(ended, session)
                try await session.insert(line)
            }
            try await session.insert(audit)
        }
        return doomed
    }
}
