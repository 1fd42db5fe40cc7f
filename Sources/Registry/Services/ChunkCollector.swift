public import FleetCore
import Logging

/// Chunk garbage collection (`POST /v1/gc`, `fleetctl gc`, and every `storage.gc_interval_seconds` in the
/// server): deletes chunks no committed version references and that were recorded at least `grace` ago;
/// first, with `keepVersions`, removes each model's versions older than its newest N that nothing needs.
///
/// Why a push in progress never loses a chunk: its chunks are younger than the grace period; with a
/// grace of 0 the store's commit re-checks, in the transaction that inserts the version, that every chunk
/// it names is still recorded, while the collection deletes a record only if no version references it, in
/// a transaction of its own. So the commit either lands first (the chunks are kept) or fails with 409
/// `missing_chunks` and the publisher's upload of them works again. `ChunkGate` keeps a concurrent upload
/// of a chunk from racing the deletion of its bytes.
public struct ChunkCollector: Sendable {
    let store: any MetadataStore
    let blobs: any ChunkBlobStore
    let gate: ChunkGate
    let removal: VersionRemoval
    /// Records per transaction: a collection never holds the writer for long.
    static let pageSize = 500

    public func collect(_ request: GarbageCollectionRequest, defaultGraceSeconds: Int, now: Timestamp = .now()) async throws -> GarbageCollectionReport {
        let grace = request.graceSeconds ?? defaultGraceSeconds
        guard grace >= 0 else { throw StorageError.invalid("graceSeconds must be 0 or more, got \(grace)") }
        if let keep = request.keepVersions, keep < 1 { throw StorageError.invalid("keepVersions must be at least 1, got \(keep)") }
        var report = GarbageCollectionReport(dryRun: request.dryRun, graceSeconds: grace)
        if let keep = request.keepVersions { try await retain(keep, dryRun: request.dryRun, now: now, into: &report) }
        let cutoff = Timestamp(secondsSinceEpoch: now.secondsSinceEpoch - Int64(grace))
        var after: Digest?
        while true {
            let page = try await store.unreferencedChunks(recordedNotAfter: cutoff, after: after, limit: Self.pageSize)
            guard let last = page.last else { break }
            after = last.digest
            let deleted = request.dryRun ? page : try await delete(page, cutoff: cutoff)
            report.chunks += deleted.count
            report.storedBytes += deleted.reduce(0) { $0 + $1.storedLength }
        }
        for shard in UInt8.min...UInt8.max {
            report.strayBlobs += try await sweepStrays(shard: shard, cutoff: cutoff, dryRun: request.dryRun)
            await Task.yield()
        }
        return report
    }

    /// Deletes stored forms no record names (written at or before `cutoff`), re-checked under the gate so an
    /// upload between writing its bytes and recording them keeps them. Returns how many went.
    private func sweepStrays(shard: UInt8, cutoff: Timestamp, dryRun: Bool) async throws -> Int {
        let old = try await blobs.storedForms(shard: shard).filter { $0.writtenAt <= cutoff }
        guard !old.isEmpty else { return 0 }
        let strays = try await Self.strays(old, records: store.chunks(old.map(\.digest)))
        guard !strays.isEmpty, !dryRun else { return strays.count }
        let (store, blobs) = (store, blobs)
        return try await gate.holding(strays.map(\.digest)) {
            let still = try await Self.strays(strays, records: store.chunks(strays.map(\.digest)))
            for blob in still { try await blobs.delete(blob.digest, codec: blob.codec) }
            return still.count
        }
    }

    /// Blobs whose digest has no record, or a record of another stored form.
    private static func strays(_ blobs: [StoredBlob], records: [Digest: ChunkRecord]) -> [StoredBlob] {
        blobs.filter { records[$0.digest]?.codec != $0.codec }
    }

    /// Records first (in one transaction that re-checks each is still garbage), then their bytes.
    private func delete(_ page: [ChunkRecord], cutoff: Timestamp) async throws -> [ChunkRecord] {
        let (store, blobs) = (store, blobs)
        return try await gate.holding(page.map(\.digest)) {
            let deleted = try await store.deleteChunks(page.map(\.digest), recordedNotAfter: cutoff)
            for record in deleted { try await blobs.delete(record.digest, codec: record.codec) }
            return deleted
        }
    }

    /// Per model, the versions older than its newest `keep` go, unless an assignment or rollout needs them.
    private func retain(_ keep: Int, dryRun: Bool, now: Timestamp, into report: inout GarbageCollectionReport) async throws {
        for model in try await store.modelNames() {
            let versions = try await store.versions(of: model)
            let old = Set(versions.map(\.version)).sorted(by: >).dropFirst(keep)
            for version in old.sorted() {
                let doomed = versions.filter { $0.version == version }
                let names = doomed.map { "\(model) \(version) (\($0.variant))" }
                let needs = try await removal.needs(model: model, versions: versions, doomed: doomed, wholeModel: false)
                if !needs.isEmpty {
                    report.keptVersions += names.map { "\($0): \(needs.joined(separator: "; "))" }
                    continue
                }
                if !dryRun {
                    _ = try await removal.remove(model: model, version: version, variant: nil, force: false, by: "gc (keep \(keep) versions)", now: now)
                }
                report.removedVersions += names
            }
        }
    }
}

/// Runs a collection every `interval` with the configured grace and retention.
enum CollectorSchedule {
    static func service(_ collector: ChunkCollector, interval: Duration, graceSeconds: Int, keepVersions: Int?, logger: Logger) -> PeriodicService {
        PeriodicService(description: "ChunkCollector", interval: interval, runsOnShutdown: false) {
            let request = GarbageCollectionRequest(keepVersions: keepVersions)
            let outcome = await Task(priority: .background) {
                await AsyncResult.attempt { try await collector.collect(request, defaultGraceSeconds: graceSeconds) }
            }.value
            switch outcome {
            case .success(let report):
                logger.info(
                    "chunk garbage collection",
                    metadata: ["chunks": "\(report.chunks)", "bytes": "\(report.storedBytes)", "versions": "\(report.removedVersions.count)"])
            case .failure(let error):
                logger.error("chunk garbage collection stopped early; it runs again next interval", metadata: ["error": "\(error)"])
            }
        }
    }
}
