import ArgumentParser
import Registry

/// `modelfleet-registry restore BACKUP`: a backup into a new data directory, checked before use.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup folder into a new or empty data directory, verifying every byte.",
        discussion: """
            Checks the database against backup.json and every chunk against its digest, then writes the \
            chunks and, last, registry.sqlite. Refuses a data directory that is not empty. Start the \
            registry on that directory afterwards; devices and tokens carry on as before the backup.
            """
    )

    @Argument(help: "A folder made by `modelfleet-registry backup`.") var backup: String
    @OptionGroup var settings: SettingsOptions

    func run() async throws {
        let configuration = try settings.load()
        try settings.requireEmbeddedStores(configuration, for: "restore")
        print(try RegistryRestore.restore(from: backup, dataDirectory: configuration.dataDirectory))
    }
}
