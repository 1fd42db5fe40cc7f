import FleetCore
import FleetHTTP
import Foundation
import TestSupport
import Testing

@Suite struct ChunkCollectionTests {
    static let digits = TestPublisher.corpus("models/digits-mlp/v1.onnx")

    static func attempt<T: Sendable>(_ body: @Sendable () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// The `modelfleet_chunks_stored` gauge, as a whole number (Prometheus may print it as `9.0`).
    func storedChunksMetric(_ registry: RegistryHarness) async throws -> String? {
        let text = try await registry.admin.send("GET", "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix("modelfleet_chunks_stored ") }
        return line.flatMap { Double($0.dropFirst("modelfleet_chunks_stored ".count)) }.map { String(Int($0)) }
    }

    /// Uploaded chunks no version references go once older than the grace period; a dry run only counts them.
    @Test func unreferencedChunksGoAfterTheGracePeriodAndCommittedOnesStay() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp")
        try await publisher.publishDigits(major: 1, to: registry.admin)
        let committed = Set(try publisher.manifest(model: "digits-mlp", version: "1.0.0", file: Self.digits).files.flatMap(\.chunks).map(\.digest))
        // v2's chunks are uploaded but never committed (an abandoned push).
        let abandoned = try publisher.manifest(model: "digits-mlp", version: "2.0.0", file: TestPublisher.corpus("models/digits-mlp/v2.onnx"))
        try await publisher.upload(abandoned, to: registry.admin)
        let orphans = Set(abandoned.files.flatMap(\.chunks).map(\.digest)).subtracting(committed)
        #expect(!orphans.isEmpty)
        let total = committed.count + orphans.count
        #expect(registry.storedChunkFiles().count == total)

        let young = try await registry.admin.collectGarbage(GarbageCollectionRequest()).value
        #expect(young.chunks == 0 && young.graceSeconds == 3600)
        let dry = try await registry.admin.collectGarbage(GarbageCollectionRequest(dryRun: true, graceSeconds: 0)).value
        #expect(dry.chunks == orphans.count && dry.dryRun)
        #expect(registry.storedChunkFiles().count == total)
        #expect(try await storedChunksMetric(registry) == "\(total)")

        let report = try await registry.admin.collectGarbage(GarbageCollectionRequest(graceSeconds: 0)).value
        #expect(report.chunks == orphans.count)
        #expect(report.storedBytes == orphans.reduce(0) { $0 + (publisher.stored[$1]?.count ?? 0) })
        #expect(registry.storedChunkFiles().count == committed.count)
        #expect(try await storedChunksMetric(registry) == "\(committed.count)")
        #expect(Set(try await registry.admin.missingChunks(Array(orphans)).missing) == orphans)
        for digest in committed { #expect(try await registry.admin.chunk(digest).body == publisher.stored[digest]) }
        for digest in orphans.prefix(3) { #expect(try await registry.raw("GET", "/v1/chunks/\(digest)", token: registry.adminToken).status == 404) }

        // The abandoned push can still finish: it uploads what is missing again.
        try await publisher.upload(abandoned, to: registry.admin)
        try await registry.admin.commit(try ManifestCoding.encode(abandoned), model: "digits-mlp")
        #expect(try await registry.admin.collectGarbage(GarbageCollectionRequest(graceSeconds: 0)).value.chunks == 0)
    }

    /// The race the grace period covers, with no grace at all: a commit running at the same time as a
    /// collection either lands with every chunk present, or fails with missing_chunks and works after
    /// the publisher uploads them again. Never a committed version with a deleted chunk.
    @Test func aCommitRacingACollectionNeverLeavesAVersionWithADeletedChunk() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp")
        var outcomes: [String: Int] = [:]
        for round in 0..<12 {
            let manifest = try publisher.manifest(model: "digits-mlp", version: "1.0.\(round)", file: Self.digits)
            let digests = Set(manifest.files.flatMap(\.chunks).map(\.digest))
            try await publisher.upload(manifest, to: registry.admin)
            let bytes = try ManifestCoding.encode(manifest)
            let admin = registry.admin
            async let commit = Self.attempt { try await admin.commit(bytes, model: "digits-mlp") }
            async let collected = admin.collectGarbage(GarbageCollectionRequest(graceSeconds: 0))
            let (committed, _) = await (commit, try collected)
            switch committed {
            case .success:
                outcomes["committed first", default: 0] += 1
            case .failure(let error):
                let failure = try #require(error as? RegistryClient.Failure, "\(error)")
                #expect(failure.status == 409 && failure.code == "missing_chunks", "\(failure)")
                #expect(!failure.missing.isEmpty && Set(failure.missing).isSubset(of: digests))
                outcomes["collected first", default: 0] += 1
                try await publisher.upload(manifest, to: admin)
                try await admin.commit(bytes, model: "digits-mlp")
            }
            // Every chunk of the committed version is recorded and served, byte for byte.
            for digest in digests { #expect(try await admin.chunk(digest).body == publisher.stored[digest], "round \(round): \(digest)") }
            #expect(try await admin.collectGarbage(GarbageCollectionRequest(graceSeconds: 0)).value.chunks == 0)
            // Make the chunks garbage again for the next round.
            try await admin.removeModel("digits-mlp", force: true)
            try await admin.assign(AssignmentRequest(model: "digits-mlp", selector: ""))
        }
        #expect(outcomes.values.reduce(0, +) == 12, "\(outcomes)")
        print("commit/collection race outcomes: \(outcomes.sorted { $0.key < $1.key })")
    }

    /// Stored bytes no record names go too: a file left by a crash between writing and recording, and the
    /// stored form that lost when two publishers uploaded one chunk in different forms at once.
    @Test func strayStoredFormsAreSweptAndRecordedOnesStay() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp")
        try await publisher.publishDigits(major: 1, to: registry.admin)
        let root = registry.dataDirectory + "/chunks/"
        let recorded = try #require(registry.storedChunkFiles().first)
        let recordedCodec = String(recorded.split(separator: ".", maxSplits: 1)[1])
        let loser = String(recorded.split(separator: ".")[0]) + (recordedCodec == "identity" ? ".zlib" : ".identity")
        try FileManager.default.copyItem(atPath: root + recorded, toPath: root + loser)
        let crashed = Digest.of(Array("bytes written, never recorded".utf8)).hex
        let orphan = "\(crashed.prefix(2))/\(crashed.dropFirst(2).prefix(2))/\(crashed).identity"
        try FileManager.default.createDirectory(
            atPath: root + orphan.split(separator: "/").dropLast().joined(separator: "/"), withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: root + orphan, contents: Data("bytes written, never recorded".utf8)))
        let before = Set(registry.storedChunkFiles())

        #expect(try await registry.admin.collectGarbage(GarbageCollectionRequest()).value.strayBlobs == 0, "younger than the grace period")
        #expect(try await registry.admin.collectGarbage(GarbageCollectionRequest(dryRun: true, graceSeconds: 0)).value.strayBlobs == 2)
        #expect(Set(registry.storedChunkFiles()) == before)
        let report = try await registry.admin.collectGarbage(GarbageCollectionRequest(graceSeconds: 0)).value
        #expect(report.strayBlobs == 2 && report.chunks == 0)
        #expect(Set(registry.storedChunkFiles()) == before.subtracting([loser, orphan]))
        let digest = try Digest(parsing: Digest.prefix + String(recorded.split(separator: "/").last?.split(separator: ".").first ?? ""))
        #expect(try await registry.admin.chunk(digest).body == publisher.stored[digest])
    }

    /// Retention: per model the newest N versions stay, and older ones go unless something needs them.
    @Test func keepVersionsRemovesOlderVersionsNothingNeeds() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp")
        for major in 1...3 { try await publisher.publishDigits(major: major, to: registry.admin) }
        try await registry.admin.assign(AssignmentRequest(model: "digits-mlp", selector: "type=old", version: SemanticVersion(major: 1, minor: 0, patch: 0)))

        let dry = try await registry.admin.collectGarbage(GarbageCollectionRequest(dryRun: true, graceSeconds: 0, keepVersions: 1)).value
        #expect(dry.removedVersions == ["digits-mlp 2.0.0 (fp32)"])
        #expect(dry.keptVersions == ["digits-mlp 1.0.0 (fp32): assignment 'type=old' pins 1.0.0"])
        #expect(try await registry.admin.versions(of: "digits-mlp").value.versions.count == 3)

        let report = try await registry.admin.collectGarbage(GarbageCollectionRequest(graceSeconds: 0, keepVersions: 1)).value
        #expect(report.removedVersions == ["digits-mlp 2.0.0 (fp32)"])
        #expect(report.chunks > 0, "v2's own chunks go with it")
        #expect(try await registry.admin.versions(of: "digits-mlp").value.versions.map(\.version.major).sorted() == [1, 3])
        let line = try #require(try await registry.admin.audit().value.entries.last { $0.action == "version.remove" })
        #expect(line.actor == "gc (keep 1 versions)")
        let bad = try await registry.raw("POST", "/v1/gc", token: registry.adminToken, body: Array(#"{"dryRun":false,"keepVersions":0}"#.utf8))
        #expect(bad.status == 400)
    }
}

@Suite struct PeriodicCollectionTests {
    /// The server collects on its own every `storage.gc_interval_seconds`, with `storage.gc_grace_seconds`.
    @Test func theServerCollectsUnreferencedChunksOnItsOwn() async throws {
        let registry = try await RegistryHarness.start { configuration in
            configuration.gcIntervalSeconds = 1
            configuration.gcGraceSeconds = 1
        }
        let publisher = TestPublisher()
        try await registry.admin.registerPublisher(publisher.key.publicKey)
        let abandoned = try publisher.manifest(model: "digits-mlp", version: "1.0.0", file: ChunkCollectionTests.digits)
        try await publisher.upload(abandoned, to: registry.admin)
        #expect(!registry.storedChunkFiles().isEmpty)
        let deadline = ContinuousClock.now + .seconds(30)
        while !registry.storedChunkFiles().isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        #expect(registry.storedChunkFiles().isEmpty)
        #expect(try await registry.server.store.chunkCount() == 0)
    }
}
