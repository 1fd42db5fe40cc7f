public import FleetCore
import PostgresNIO

/// Rollouts (stored whole as JSON, with model, state and revision as columns) and the audit log.
extension PostgresMetadataStore {
    /// Holds `PostgresLocks.rollouts`: two creations for one model cannot both find none in flight.
    public func createRollout(_ rollout: Rollout, superseding: Bool, audit: AuditEntry) async throws -> [Rollout] {
        let body = try StableJSON.encode(rollout)
        return try await transaction { session in
            try await session.lock(PostgresLocks.rollouts)
            let inFlight = try await Self.inFlightRollouts(model: rollout.model, session)
            if !inFlight.isEmpty, !superseding { throw StoreRefusals.rolloutsInFlight(model: rollout.model, inFlight.map(\.id)) }
            var superseded: [Rollout] = []
            for old in inFlight {
                let (ended, line) = StoreRules.superseded(old, by: rollout, audit: audit)
                _ = try await Self.update(ended, session)
                try await session.insert(line)
                superseded.append(ended)
            }
            try await session.run(
                """
                INSERT INTO rollouts (id, model, state, revision, createdAt, body)
                VALUES (\(rollout.id), \(rollout.model), \(rollout.state.rawValue), \(Int64(rollout.revision)), \(rollout.createdAt.secondsSinceEpoch),
                    \(body))
                """)
            try await session.insert(audit)
            return superseded
        }
    }

    public func saveRollout(_ rollout: Rollout, audit: AuditEntry) async throws {
        try await transaction { session in
            guard try await Self.update(rollout, session) else {
                let exists = try await !session.rows("SELECT id FROM rollouts WHERE id = \(rollout.id)").isEmpty
                throw exists ? StoreRefusals.rolloutChanged(rollout) : StoreRefusals.noRollout(rollout.id)
            }
            try await session.insert(audit)
        }
    }

    /// Stores `rollout` as its next revision if the stored one is still `rollout.revision`; false if it is not.
    /// A concurrent writer's update of the same row makes this one wait and then re-check the revision.
    static func update(_ rollout: Rollout, _ session: PostgresSession) async throws -> Bool {
        var next = rollout
        next.revision += 1
        let body = try StableJSON.encode(next)
        return try await !session.rows(
            """
            UPDATE rollouts SET state = \(next.state.rawValue), revision = \(Int64(next.revision)), body = \(body)
            WHERE id = \(rollout.id) AND revision = \(Int64(rollout.revision))
            RETURNING id
            """
        ).isEmpty
    }

    /// The model's active and paused rollouts, oldest first.
    static func inFlightRollouts(model: String, _ session: PostgresSession) async throws -> [Rollout] {
        try await session.rows(
            "SELECT body FROM rollouts WHERE model = \(model) AND state = ANY(\(StoreRules.inFlightStates)) ORDER BY createdAt, seq"
        ).map(StoredRecords.rollout)
    }

    public func rollouts() async throws -> [Rollout] {
        try await rows("SELECT body FROM rollouts ORDER BY createdAt, seq").map(StoredRecords.rollout)
    }

    public func audit(since: Timestamp?) async throws -> [AuditEntry] {
        try await rows("SELECT * FROM audit WHERE at >= \(since?.secondsSinceEpoch ?? Int64.min) ORDER BY id").map(StoredRecords.audit)
    }
}
