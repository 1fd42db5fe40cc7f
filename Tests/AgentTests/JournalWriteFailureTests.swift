import FleetCore
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Agent

/// The journal promises that every phase change is committed before the next phase's work starts; when
/// it cannot commit (a full or failing disk), the sync stops with an error instead of running ahead.
@Suite struct JournalWriteFailureTests {
    /// From now on the journal refuses to record `phase`, as a disk failing at that moment would.
    func refuse(_ phase: Journal.Phase, in data: String) throws {
        try SQLiteDatabase(path: data + "/journal.sqlite").execute(
            """
            CREATE TRIGGER refuse BEFORE INSERT ON syncs WHEN NEW.phase = '\(phase.rawValue)'
            BEGIN SELECT RAISE(FAIL, 'disk I/O error (simulated)'); END
            """)
    }

    func allow(in data: String) throws {
        try SQLiteDatabase(path: data + "/journal.sqlite").execute("DROP TRIGGER refuse")
    }

    /// What the journal holds when writing `phase` of 1.1.0 fails: the step before it, committed.
    static let lastCommitted: [Journal.Phase: (version: String, phase: Journal.Phase)] = [
        .planned: ("1.0.0", .activated), .downloaded: ("1.1.0", .planned), .staged: ("1.1.0", .downloaded)
    ]

    @Test(arguments: [Journal.Phase.planned, .downloaded, .staged])
    func aFailedJournalWriteStopsTheSyncAndTheLiveVersionKeepsServing(failing phase: Journal.Phase) async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "")
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path
        let host = CountingHost()
        let engine = try SyncEngine(
            settings: AgentSettings(
                registry: registry.baseURL, enrollToken: registry.enrollToken, dataDirectory: data,
                trustedKeys: [publisher.key.publicKey]), host: host)
        func live() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: data + "/models/digits-mlp/current/model.onnx")) }
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        guard case .activated = try #require(try await engine.checkInAndSync().first).result else {
            Issue.record("1.0.0 not activated")
            return
        }
        let v1 = try live()
        let testsBefore = host.runs

        try refuse(phase, in: data)
        try await publisher.publish(model: "digits-mlp", version: "1.1.0", file: TestPublisher.corpus("models/digits-mlp/v3.onnx"), to: registry.admin)
        let error = await #expect(throws: JournalWriteFailed.self) { _ = try await engine.checkInAndSync() }
        #expect(error?.description.hasPrefix("the journal could not record digits-mlp 1.1.0 as \(phase.rawValue) (") == true)
        #expect(error?.description.contains("disk I/O error (simulated)") == true)

        // Nothing ran past the step the journal could not record.
        #expect(try live() == v1)
        #expect(host.runs == testsBefore)
        let staged = FileManager.default.fileExists(atPath: data + "/models/digits-mlp/versions/1.1.0+fp32")
        #expect(staged == (phase == .staged), "1.1.0 staged: \(staged)")
        let expected = try #require(Self.lastCommitted[phase])
        let journalled = try #require(try Journal(path: data + "/journal.sqlite").sync(for: "digits-mlp"))
        #expect(journalled.version.description == expected.version)
        #expect(journalled.phase == expected.phase)

        // Once the journal can be written again, the next cycle finishes the job.
        try allow(in: data)
        guard case .activated = try #require(try await engine.checkInAndSync().first).result else {
            Issue.record("1.1.0 not activated after recovery")
            return
        }
        #expect(try live() == Data(contentsOf: URL(fileURLWithPath: TestPublisher.corpus("models/digits-mlp/v3.onnx"))))
    }
}

/// A self-test that passes and counts its runs, to show which steps a stopped sync never reached.
final class CountingHost: ModelHost, Sendable {
    private let count = Mutex(0)

    var runs: Int { count.withLock { $0 } }

    func selfTest(modelDirectory: String, manifest: Manifest) async throws -> SelfTestOutcome {
        count.withLock { $0 += 1 }
        return .passed
    }
}
