import ArgumentParser
import FleetCore
import FleetHTTP

/// `fleetctl gc`: delete chunks no committed version references (admin scope); the registry also does it periodically.
struct GarbageCollect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete chunks no committed version references, once older than the grace period.",
        discussion: """
            The grace period (default: the registry's storage.gc_grace_seconds, an hour) protects pushes in progress: \
            chunks uploaded for a version not committed yet. --keep-versions N first removes, per model, the versions \
            older than the newest N that no assignment or rollout in flight needs.
            """)

    @OptionGroup var connection: RegistryOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Report what would be deleted; delete nothing.") var dryRun = false
    @Option(help: "Only chunks recorded at least this long ago, e.g. 0s, 30m, 2h.") var grace: String?
    @Option(help: "Per model, keep only the newest N versions (older ones that nothing needs are removed).") var keepVersions: Int?

    func run() async throws {
        let request = GarbageCollectionRequest(dryRun: dryRun, graceSeconds: try grace.map(Spelling.seconds), keepVersions: keepVersions)
        try output.show(try await connection.client().collectGarbage(request)) { report in
            var lines = report.removedVersions.map { "\(report.dryRun ? "would remove" : "removed") \($0)" }
            lines += report.keptVersions.map { "kept \($0)" }
            lines.append(
                "\(report.dryRun ? "would delete" : "deleted") \(report.chunks) chunk(s), \(ByteCountText.of(UInt64(report.storedBytes))) "
                    + "and \(report.strayBlobs) stray stored form(s) (grace \(report.graceSeconds)s)")
            return lines.joined(separator: "\n")
        }
    }
}
