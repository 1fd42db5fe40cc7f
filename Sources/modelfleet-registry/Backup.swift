import ArgumentParser
import Registry

/// `modelfleet-registry backup DEST`: a consistent copy of the embedded registry while it serves.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the registry's database and chunks into a new folder, consistently, while it serves.",
        discussion: """
            The database is copied with SQLite's online backup (one moment of the registry); every chunk it \
            records is verified and copied. The folder appears whole or not at all (backup.json is written \
            last). Token files are not copied: the database holds the tokens' hashes, so the same tokens keep \
            working after a restore. Exits 1 if chunks that versions need were missing or damaged (the \
            backup is written and names them).
            """
    )

    @Argument(help: "The backup folder to create (must not exist).") var destination: String
    @OptionGroup var settings: SettingsOptions

    func run() async throws {
        let configuration = try settings.load()
        try settings.requireEmbeddedStores(configuration, for: "backup")
        let report = try RegistryBackup.create(dataDirectory: configuration.dataDirectory, destination: destination)
        print(report)
        if !report.manifest.damaged.isEmpty { throw ExitCode(1) }
    }
}
