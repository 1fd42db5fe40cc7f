public import FleetCore

/// Reads every recorded chunk and verifies it (`ChunkIntegrity`), quarantining what fails: finds rot
/// in chunks nobody has asked for lately, before a rollout does. Run by `modelfleet-registry scrub`
/// and, at low priority, every `storage.scrub_interval_seconds` by the server.
public struct ChunkScrubber: Sendable {
    let store: any MetadataStore
    let integrity: ChunkIntegrity
    /// Records read per page: the walk never holds the whole chunk table in memory.
    static let pageSize = 500

    public struct Report: Sendable, Equatable, CustomStringConvertible {
        public var checked = 0
        /// Chunks whose stored bytes did not match their record, now quarantined.
        public var quarantined: [Digest] = []
        /// Recorded chunks with no stored bytes (including ones quarantined by an earlier pass).
        public var missing: [Digest] = []

        public var description: String {
            "checked \(checked) chunk(s): \(quarantined.count) quarantined, \(missing.count) missing"
                + quarantined.map { "\nquarantined \($0)" }.joined() + missing.map { "\nmissing \($0)" }.joined()
        }
    }

    public func scrub() async throws -> Report {
        var report = Report()
        var after: Digest?
        while true {
            let page = try await store.chunks(after: after, limit: Self.pageSize)
            guard let last = page.last else { return report }
            for record in page { try await check(record, into: &report) }
            after = last.digest
        }
    }

    private func check(_ record: ChunkRecord, into report: inout Report) async throws {
        report.checked += 1
        switch try await integrity.check(record) {
        case .intact: break
        case .missing: report.missing.append(record.digest)
        case .corrupt: report.quarantined.append(record.digest)
        }
        await Task.yield()
    }
}
