import FleetCore
import Foundation
import TestSupport
import Testing

@testable import Agent

/// Writes a journal the way agents before schema version 1 did: the self-test outcome only in the free text.
func writeVersion0Journal(at path: String, syncs: [(model: String, phase: String, detail: String)], digest: Digest) throws {
    let database = try SQLiteDatabase(path: path)
    try database.execute(
        """
        CREATE TABLE syncs (model TEXT PRIMARY KEY, version TEXT NOT NULL, variant TEXT NOT NULL,
            manifestDigest TEXT NOT NULL, phase TEXT NOT NULL, detail TEXT NOT NULL, updatedAt INTEGER NOT NULL)
        """)
    try database.execute("CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)")
    try database.execute(
        """
        CREATE TABLE inference_stats (model TEXT NOT NULL, version TEXT NOT NULL, count INTEGER NOT NULL,
            errors INTEGER NOT NULL, latency TEXT NOT NULL, PRIMARY KEY (model, version))
        """)
    for sync in syncs {
        try database.execute(
            "INSERT INTO syncs VALUES (?, '1.0.0', 'fp32', ?, ?, ?, 1764000000)",
            [sync.model, digest.description, sync.phase, sync.detail])
    }
    let event = DeviceEvent(
        kind: "install", model: "alpha", version: SemanticVersion(major: 1, minor: 0, patch: 0), result: "ok", message: "activated", at: .now())
    try database.execute("INSERT INTO events (event) VALUES (?)", [String(decoding: try JSONEncoder().encode(event), as: UTF8.self)])
    try database.execute("INSERT INTO inference_stats VALUES ('alpha', '1.0.0', 7, 1, '')")
}

@Suite struct JournalTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
    let digest = Digest.of(Array("a manifest".utf8))

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    @Test func aJournalWrittenByAnOlderAgentIsMigratedWhenOpened() throws {
        let path = directory + "/journal.sqlite"
        try writeVersion0Journal(
            at: path,
            syncs: [
                ("alpha", "activated", "activated; downloaded 3 chunks, 100 bytes"),
                ("beta", "activated", "activated; downloaded 0 chunks, 0 bytes; self-test skipped: no test vectors"),
                ("gamma", "failed", "self-test failed: output 0 differs from the expected tensor by 0.5"),
                ("delta", "failed", "chunk \(digest): connection reset"),
                ("epsilon", "planned", "battery at 5%, below the 20% minimum")
            ], digest: digest)

        let journal = try Journal(path: path)
        let syncs = Dictionary(uniqueKeysWithValues: try journal.syncs().map { ($0.model, $0) })
        #expect(syncs.count == 5)
        #expect(syncs["alpha"]?.selfTest == .passed)
        #expect(syncs["beta"]?.selfTest == .skipped)
        #expect(syncs["gamma"]?.selfTest == .failed)
        #expect(syncs["delta"]?.selfTest == nil)
        #expect(syncs["epsilon"]?.selfTest == nil)
        #expect(syncs["gamma"]?.failedSelfTest(of: digest) == true)
        #expect(syncs["delta"]?.failedSelfTest(of: digest) == false)
        #expect(syncs["beta"]?.installReport?.selfTest == .skipped)
        #expect(syncs["gamma"]?.installReport?.result == .failed)
        #expect(syncs["epsilon"]?.installReport == nil)
        // Queued events and served-request counters survive the migration.
        #expect(try journal.pendingEvents().map(\.event.model) == ["alpha"])
        #expect(try journal.loadStats().map(\.count) == [7])
        #expect(try JournalSchema.version(of: SQLiteDatabase(path: path)) == JournalSchema.currentVersion)

        // Opening the migrated journal again changes nothing.
        #expect(try Journal(path: path).syncs() == journal.syncs())
    }

    /// The text is for people: a failure whose message merely mentions a self-test is not a failed self-test.
    @Test func decisionsReadTheTypedOutcomeNotTheText() throws {
        let journal = try Journal(path: directory + "/journal.sqlite")
        func record(_ phase: Journal.Phase, _ selfTest: InstallReport.SelfTest?, _ detail: String) throws -> Journal.SyncRecord? {
            try journal.record(
                .init(
                    model: "digits-mlp", version: SemanticVersion(major: 1, minor: 0, patch: 0), variant: "fp32",
                    manifestDigest: digest, phase: phase, selfTest: selfTest, detail: detail))
            return try journal.sync(for: "digits-mlp")
        }
        let stageError = try #require(try record(.failed, nil, "self-test failed to start: no space left on device"))
        #expect(!stageError.failedSelfTest(of: digest))
        #expect(stageError.installReport?.selfTest == nil)
        let failedTest = try #require(try record(.failed, .failed, "output 0 differs"))
        #expect(failedTest.failedSelfTest(of: digest))
        #expect(!failedTest.failedSelfTest(of: Digest.of(Array("another manifest".utf8))))
        let skipped = try #require(try record(.activated, .skipped, "activated"))
        #expect(skipped.installReport?.selfTest == .skipped)
        let passed = try #require(try record(.activated, .passed, "activated; self-test skipped: mentioned, not meant"))
        #expect(passed.installReport?.selfTest == .passed)
    }

    @Test func anUnreadableRowIsAnErrorThatNamesIt() throws {
        let path = directory + "/journal.sqlite"
        _ = try Journal(path: path)
        try SQLiteDatabase(path: path).execute(
            "INSERT INTO syncs VALUES ('digits-mlp', '1.0.0', 'fp32', ?, 'teleported', NULL, '', 0)", [digest.description])
        #expect(throws: FleetError.self) { try Journal(path: path).syncs() }
        do {
            _ = try Journal(path: path).sync(for: "digits-mlp")
            Issue.record("an unknown phase was read")
        } catch {
            #expect("\(error)".contains("phase is 'teleported'"))
        }
    }
}

/// An agent upgraded in the field keeps what its predecessor learned.
@Suite struct UpgradedAgentTests {
    @Test func aManifestWhoseSelfTestFailedUnderTheOldAgentIsNotRetried() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "")
        let (manifest, _) = try await publisher.publish(
            model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try writeVersion0Journal(
            at: data + "/journal.sqlite", syncs: [("digits-mlp", "failed", "self-test failed: operator 'FancyConv' is not supported")],
            digest: Digest.of(try ManifestCoding.encode(manifest)))
        let host = FailingHost()
        let engine = try SyncEngine(
            settings: AgentSettings(
                registry: registry.baseURL, enrollToken: registry.enrollToken, dataDirectory: data,
                trustedKeys: [publisher.key.publicKey]), host: host)
        let outcome = try #require(try await engine.checkInAndSync().first)
        #expect(
            outcome.result == .failed(reason: "self-test failed: operator 'FancyConv' is not supported (not retried until the registry offers another version)")
        )
        #expect(host.runs == 0)
    }
}
