import ArgumentParser
import Foundation
import Logging
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
        if configuration.metadata == .sqlite, !FileManager.default.fileExists(atPath: configuration.dataDirectory + "/registry.sqlite") {
            throw ValidationError("no registry data in \(configuration.dataDirectory) (registry.sqlite is missing)")
        }
        var logger = Logger(label: "modelfleet-registry")
        logger.logLevel = .warning
        let report = try await RegistryServer.open(configuration: configuration, logger: logger).scrub()
        print(report)
        if !report.quarantined.isEmpty || !report.missing.isEmpty { throw ExitCode(1) }
    }
}
