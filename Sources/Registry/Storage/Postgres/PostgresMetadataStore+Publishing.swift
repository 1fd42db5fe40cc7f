public import FleetCore
import Foundation
import PostgresNIO

/// Publisher keys, trust documents and committed versions.
extension PostgresMetadataStore {
    public func addPublisher(_ publisher: RegisteredPublisher, audit: AuditEntry) async throws {
        try await transaction { session in
            try await session.run(
                """
                INSERT INTO publishers (keyID, publicKeyPEM, registeredAt)
                VALUES (\(publisher.keyID), \(publisher.publicKeyPEM), \(publisher.registeredAt.secondsSinceEpoch))
                ON CONFLICT (keyID) DO UPDATE SET publicKeyPEM = EXCLUDED.publicKeyPEM, registeredAt = EXCLUDED.registeredAt
                """)
            try await session.insert(audit)
        }
    }

    public func publishers() async throws -> [RegisteredPublisher] {
        try await rows("SELECT * FROM publishers ORDER BY keyID").map(StoredRecords.publisher)
    }

    public func trustDocuments(after version: Int) async throws -> [StoredTrustDocument] {
        try await rows("SELECT * FROM trust_documents WHERE version > \(Int64(version)) ORDER BY version").map(StoredRecords.trustDocument)
    }

    public func insertTrustDocument(_ document: StoredTrustDocument, audit: AuditEntry) async throws {
        try await transaction { session in
            try await session.lock(PostgresLocks.trustDocuments)
            let newest = try await session.rows("SELECT MAX(version) AS newest FROM trust_documents").first?.optionalInteger("newest")
            if let newest, document.version <= newest { throw StoreRefusals.trustDocumentNotNewer(document.version, newest: Int(newest)) }
            try await session.run(
                """
                INSERT INTO trust_documents (version, document, acceptedAt)
                VALUES (\(Int64(document.version)), \(Data(document.bytes)), \(document.acceptedAt.secondsSinceEpoch))
                """)
            try await session.insert(audit)
        }
    }

    /// The version row, its chunk references and its audit line in one transaction. The unique key decides a
    /// race between two commits of the same version; `PostgresLocks.chunkReferences` (shared) orders the chunk
    /// check against garbage collection.
    public func insertVersion(_ version: VersionRecord, audit: AuditEntry) async throws {
        let requirements = try version.requirements.map(StableJSON.encode)
        let digests = StoreRules.distinctDigests(try version.chunkDigests()).map(\.description)
        try await transaction { session in
            try await session.lock(PostgresLocks.chunkReferences, shared: true)
            let inserted = try await session.rows(
                """
                INSERT INTO versions (model, version, variant, manifestDigest, manifest, publisher, createdAt, committedAt, totalSize, storedSize,
                    requirements, held)
                VALUES (\(version.model), \(version.version.description), \(version.variant), \(version.manifestDigest.description),
                    \(Data(version.manifest)), \(version.publisher), \(version.createdAt.secondsSinceEpoch), \(version.committedAt.secondsSinceEpoch),
                    \(Int64(clamping: version.totalSize)), \(Int64(clamping: version.storedSize)), \(requirements), \(version.held))
                ON CONFLICT DO NOTHING
                RETURNING model
                """)
            guard !inserted.isEmpty else { throw StoreRefusals.versionExists(version) }
            let present = Set(try await session.rows("SELECT digest FROM chunks WHERE digest = ANY(\(digests))").map { try $0.text("digest") })
            let missing = try digests.filter { !present.contains($0) }.map(Digest.init(parsing:))
            guard missing.isEmpty else { throw StoreRefusals.chunksCollected(missing) }
            try await session.run(
                """
                INSERT INTO version_chunks (model, version, variant, digest)
                SELECT \(version.model), \(version.version.description), \(version.variant), unnest(\(digests)::text[])
                ON CONFLICT DO NOTHING
                """)
            try await session.insert(audit)
        }
    }

    public func modelNames() async throws -> [String] {
        try await rows("SELECT DISTINCT model FROM versions ORDER BY model").map { try $0.text("model") }
    }

    public func versions(of model: String) async throws -> [VersionRecord] {
        try await rows("SELECT * FROM versions WHERE model = \(model) ORDER BY version, variant").map(StoredRecords.version)
    }
}
