public import FleetCore
import PostgresNIO

/// Tokens, devices, their check-ins, events, labels and health, and assignments.
extension PostgresMetadataStore {
    public func insertToken(_ token: TokenRecord, audit: AuditEntry?) async throws {
        try await transaction { session in
            try await session.run(
                """
                INSERT INTO tokens (hash, kind, scopes, deviceID, label, createdAt, expiresAt, revokedAt)
                VALUES (\(token.hash), \(token.kind.rawValue), \(StoredRecords.scopesColumn(token.scopes)), \(token.deviceID), \(token.label),
                    \(token.createdAt.secondsSinceEpoch), \(token.expiresAt?.secondsSinceEpoch), \(token.revokedAt?.secondsSinceEpoch))
                """)
            if let audit { try await session.insert(audit) }
        }
    }

    public func token(hash: String) async throws -> TokenRecord? {
        try await rows("SELECT * FROM tokens WHERE hash = \(hash)").first.map(StoredRecords.token)
    }

    public func hasTokens(of kind: TokenKind) async throws -> Bool {
        try await count("SELECT COUNT(*) AS n FROM (SELECT 1 FROM tokens WHERE kind = \(kind.rawValue) LIMIT 1) AS one") > 0
    }

    public func insertDevice(_ device: DeviceRecord) async throws {
        let profile = try StableJSON.encode(device.profile)
        let labels = try StableJSON.encode(device.labels)
        try await transaction { session in
            try await session.run(
                "INSERT INTO devices (id, profile, labels, enrolledAt) VALUES (\(device.id), \(profile), \(labels), \(device.enrolledAt.secondsSinceEpoch))")
        }
    }

    public func device(id: String) async throws -> DeviceRecord? {
        try await rows("SELECT * FROM devices WHERE id = \(id) AND decommissionedAt IS NULL").first.map(StoredRecords.device)
    }

    public func devices() async throws -> [DeviceRecord] {
        try await rows("SELECT * FROM devices WHERE decommissionedAt IS NULL ORDER BY id").map(StoredRecords.device)
    }

    /// One transaction of four statements, whatever the batch's size (`PostgresCheckinBatch`). The devices'
    /// rows are locked first, in id order, so two replicas flushing overlapping batches cannot deadlock.
    public func recordCheckins(_ checkins: [CheckinRecord]) async throws {
        guard !checkins.isEmpty else { return }
        let batch = try PostgresCheckinBatch(checkins)
        let (sightings, installs, stats) = (
            try PostgresCheckinBatch.json(batch.sightings), try PostgresCheckinBatch.json(batch.installs), try PostgresCheckinBatch.json(batch.stats)
        )
        let ids = batch.deviceIDs
        try await transaction { session in
            try await session.run("SELECT id FROM devices WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE")
            try await session.run(
                """
                UPDATE devices SET lastSeenAt = c.at, lastCheckin = c.report
                FROM json_to_recordset(\(sightings)::json) AS c(id text, at bigint, report text)
                WHERE devices.id = c.id
                """)
            try await session.run(
                """
                INSERT INTO device_health (deviceID, model, version, install, selfTest, message, updatedAt)
                SELECT device, model, version, install, selftest, message, at
                FROM json_to_recordset(\(installs)::json) AS r(device text, model text, version text, install text, selftest text, message text, at bigint)
                ORDER BY device, model, version
                ON CONFLICT (deviceID, model, version) DO UPDATE SET
                    install = EXCLUDED.install, selfTest = EXCLUDED.selfTest, message = EXCLUDED.message, updatedAt = EXCLUDED.updatedAt
                """)
            try await session.run(
                """
                INSERT INTO device_health (deviceID, model, version, inferences, errors, p50, p95, updatedAt)
                SELECT device, model, version, inferences, errors, p50, p95, at
                FROM json_to_recordset(\(stats)::json)
                    AS r(device text, model text, version text, inferences bigint, errors bigint, p50 double precision, p95 double precision, at bigint)
                ORDER BY device, model, version
                ON CONFLICT (deviceID, model, version) DO UPDATE SET
                    inferences = EXCLUDED.inferences, errors = EXCLUDED.errors, p50 = EXCLUDED.p50, p95 = EXCLUDED.p95, updatedAt = EXCLUDED.updatedAt
                """)
        }
    }

    public func insertEvents(_ events: [RecordedEvent]) async throws {
        guard !events.isEmpty else { return }
        let rows = try events.map { ($0.deviceID, $0.receivedAt.secondsSinceEpoch, try StableJSON.encode($0.event)) }
        try await transaction { session in
            for (deviceID, receivedAt, event) in rows {
                try await session.run("INSERT INTO events (deviceID, receivedAt, event) VALUES (\(deviceID), \(receivedAt), \(event))")
            }
        }
    }

    public func events(deviceID: String) async throws -> [RecordedEvent] {
        try await rows("SELECT * FROM events WHERE deviceID = \(deviceID) ORDER BY id").map(StoredRecords.event)
    }

    public func setAssignment(_ assignment: AssignmentRecord, audit: AuditEntry) async throws {
        try await transaction { session in
            try await session.run(
                """
                INSERT INTO assignments (model, selector, version, variant, updatedAt)
                VALUES (\(assignment.model), \(assignment.selector.description), \(assignment.version?.description), \(assignment.variant),
                    \(assignment.updatedAt.secondsSinceEpoch))
                ON CONFLICT (model, selector) DO UPDATE SET version = EXCLUDED.version, variant = EXCLUDED.variant, updatedAt = EXCLUDED.updatedAt
                """)
            try await session.insert(audit)
        }
    }

    public func assignments() async throws -> [AssignmentRecord] {
        try await rows("SELECT * FROM assignments ORDER BY model, selector").map(StoredRecords.assignment)
    }

    public func setLabels(deviceID: String, labels: [String: String], audit: AuditEntry) async throws {
        let text = try StableJSON.encode(labels)
        try await transaction { session in
            let changed = try await session.rows("UPDATE devices SET labels = \(text) WHERE id = \(deviceID) AND decommissionedAt IS NULL RETURNING id")
            guard !changed.isEmpty else { throw StoreRefusals.deviceNotEnrolled(deviceID) }
            try await session.insert(audit)
        }
    }

    /// Health rows of devices still in the fleet (as the SQLite store's `serving`).
    public func health(model: String?) async throws -> [DeviceVersionHealth] {
        let serving = "deviceID NOT IN (SELECT id FROM devices WHERE decommissionedAt IS NOT NULL)"
        let found =
            if let model {
                try await rows("SELECT * FROM device_health WHERE model = \(model) AND \(unescaped: serving) ORDER BY deviceID, version")
            } else {
                try await rows("SELECT * FROM device_health WHERE \(unescaped: serving) ORDER BY model, deviceID, version")
            }
        return try found.map(StoredRecords.health)
    }

    public func health(deviceID: String) async throws -> [DeviceVersionHealth] {
        try await rows("SELECT * FROM device_health WHERE deviceID = \(deviceID) ORDER BY model, version").map(StoredRecords.health)
    }
}
