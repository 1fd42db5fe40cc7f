import FleetCore
import Foundation
import Testing

@testable import Registry

/// Chunk records, version commits that reference them, and garbage collection, on each metadata store.
@Suite struct ChunkStoreTests {
    typealias S = StoreSamples

    @Test(arguments: StoreKind.allCases)
    func chunksAreRecordedOnceAndWalkedInDigestOrder(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        let records = (0..<5).map(S.chunk)
        for record in records { #expect(try await store.recordChunk(record) == record) }
        // A second record of the same digest keeps the first one's form.
        var other = records[0]
        other.codec = ChunkCodec(compressor: .zstd)
        other.storedLength = 7
        #expect(try await store.recordChunk(other) == records[0])
        #expect(try await store.chunkCount() == 5)

        let unknown = S.chunk(99).digest
        let found = try await store.chunks(records.map(\.digest) + [unknown])
        #expect(found.count == 5 && found[unknown] == nil && found[records[3].digest] == records[3])
        #expect(try await store.chunks([]).isEmpty)

        let sorted = records.map(\.digest).sorted { $0.description < $1.description }
        #expect(try await store.chunks(after: nil, limit: 3).map(\.digest) == Array(sorted.prefix(3)))
        #expect(try await store.chunks(after: sorted[2], limit: 10).map(\.digest) == Array(sorted.suffix(2)))
    }

    @Test(arguments: StoreKind.allCases)
    func onlyUnreferencedChunksRecordedBeforeTheCutoffAreCollected(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        for seed in 0..<4 { _ = try await store.recordChunk(S.chunk(seed)) }
        try await store.insertVersion(try S.version(chunks: [0, 1, 1]), audit: S.audit("version.commit"))
        let later = Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch + 60)
        let free = [S.chunk(2).digest, S.chunk(3).digest].sorted { $0.description < $1.description }
        #expect(try await store.unreferencedChunks(recordedNotAfter: later, after: nil, limit: 10).map(\.digest) == free)
        #expect(try await store.unreferencedChunks(recordedNotAfter: later, after: free[0], limit: 10).map(\.digest) == [free[1]])
        // Recorded after the cutoff: too young to collect.
        let earlier = Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch - 3600)
        #expect(try await store.unreferencedChunks(recordedNotAfter: earlier, after: nil, limit: 10).isEmpty)
        #expect(try await store.deleteChunks(free, recordedNotAfter: earlier).isEmpty)

        // Referenced chunks are kept even when named; the others go, in the order asked.
        let asked = [free[1], S.chunk(0).digest, free[0], free[1]]
        #expect(try await store.deleteChunks(asked, recordedNotAfter: later).map(\.digest) == [free[1], free[0]])
        #expect(try await store.chunkCount() == 2)

        // Once the version is removed its chunks are garbage too.
        _ = try await store.deleteVersions(model: "m", version: nil, variant: nil, audit: S.audit("model.remove"))
        #expect(try await store.deleteChunks([S.chunk(0).digest, S.chunk(1).digest], recordedNotAfter: later).count == 2)
        #expect(try await store.chunkCount() == 0)
    }

    /// A version whose chunk was collected before the commit is refused with the digests to upload again, and
    /// nothing of it is stored.
    @Test(arguments: StoreKind.allCases)
    func aCommitAfterItsChunkWasCollectedIsRefused(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        _ = try await store.recordChunk(S.chunk(0))
        let version = try S.version(chunks: [0, 1, 2, 1])
        await #expect(throws: StoreRefusals.chunksCollected([S.chunk(1).digest, S.chunk(2).digest])) {
            try await store.insertVersion(version, audit: S.audit("version.commit"))
        }
        #expect(try await store.versions(of: "m").isEmpty)
        #expect(try await store.audit(since: nil).isEmpty)
        // Uploaded again, the same commit goes through.
        for seed in [1, 2] { _ = try await store.recordChunk(S.chunk(seed)) }
        try await store.insertVersion(version, audit: S.audit("version.commit"))
        #expect(try await store.versions(of: "m") == [version])
    }

    /// Commits and collections of the same chunks, side by side (two replicas, or the collector and a push):
    /// every time, either the commit ran first and its chunks stay, or the collection did and the commit is
    /// refused. Never a committed version that names a deleted chunk.
    @Test(arguments: StoreKind.allCases)
    func commitsAndCollectionsRacingNeverLeaveAVersionWithoutItsChunks(_ kind: StoreKind) async throws {
        let (store, location) = try await StoreLocation.store(kind)
        defer { location.remove() }
        let later = Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch + 60)
        var outcomes: [String: Int] = [:]
        for round in 0..<20 {
            let seeds = [1000 + round * 2, 1001 + round * 2]
            for seed in seeds { _ = try await store.recordChunk(S.chunk(seed)) }
            let version = try S.version("race", SemanticVersion(major: UInt64(round + 1), minor: 0, patch: 0), chunks: seeds)
            async let committed = AsyncResult.attempt { try await store.insertVersion(version, audit: S.audit("version.commit")) }
            async let collected = AsyncResult.attempt { try await store.deleteChunks(seeds.map { S.chunk($0).digest }, recordedNotAfter: later) }
            let (commit, deletion) = await (committed, collected)
            let deleted = try deletion.get()
            switch commit {
            case .success:
                #expect(deleted.isEmpty, "round \(round): a committed version's chunks were deleted")
                #expect(try await store.chunks(seeds.map { S.chunk($0).digest }).count == 2)
                outcomes["commit first", default: 0] += 1
            case .failure(let error):
                #expect(error as? StorageError == StoreRefusals.chunksCollected(seeds.map { S.chunk($0).digest }), "round \(round): \(error)")
                #expect(deleted.count == 2)
                outcomes["collection first", default: 0] += 1
            }
        }
        #expect(outcomes.values.reduce(0, +) == 20)
        // Every committed version still has every chunk it names.
        for version in try await store.versions(of: "race") {
            let digests = try version.chunkDigests()
            #expect(try await store.chunks(digests).count == Set(digests).count)
        }
    }
}
