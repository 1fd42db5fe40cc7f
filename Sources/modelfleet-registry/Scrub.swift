import ArgumentParser
import Foundation
import Registry

/// `modelfleet-registry scrub`: verifies every stored chunk once and reports, for cron or after a disk scare.
struct Scrub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify every stored chunk against its digest; quarantine bad ones into chunks/quarantine/.",
        discussion: """
            Reads each recorded chunk, decodes it and checks its SHA-256. Chunks that do not match are moved to \
            DATA/chunks/quarantine/ with a .reason file and are no longer served. Safe while the server runs. \
            Exits 1 if any chunk was quarantined or is missing.
            """
    )

    @OptionGroup var settings: SettingsOptions

    func run() async throws {
        let configuration = try settings.load()
        guard FileManager.default.fileExists(atPath: configuration.dataDirectory + "/registry.sqlite") else {
            throw ValidationError("no registry data in \(configuration.dataDirectory) (registry.sqlite is missing)")
        }
        let server = try RegistryServer(configuration: configuration)
        try await server.checkChunkStore()
        let report = try await server.scrub()
        print(report)
        if !report.quarantined.isEmpty || !report.missing.isEmpty { throw ExitCode(1) }
    }
}
