import Foundation
import Testing

@testable import Registry

/// `storage.metadata` / `--metadata`: which store, and a wrong value explained in one line without its password.
@Suite struct MetadataLocationTests {
    @Test func postgresURLsAreReadWithTheirParts() throws {
        let location = try PostgresLocation(parsing: "postgres://fleet:s%40cret@db.example:6543/registry")
        #expect(location == PostgresLocation(host: "db.example", port: 6543, username: "fleet", password: "s@cret", database: "registry", tls: .require))
        #expect(location.description == "postgres://fleet@db.example:6543/registry?sslmode=require")
        let local = try PostgresLocation(parsing: "postgresql://fleet:pw@127.0.0.1/registry")
        #expect(local.port == 5432 && local.tls == .disable && local.description == "postgres://fleet@127.0.0.1:5432/registry")
        #expect(try PostgresLocation(parsing: "postgres://fleet:pw@localhost:5432/r?sslmode=require").tls == .require)
        #expect(try PostgresLocation(parsing: "postgres://fleet@[::1]:5432/r").host == "::1")
        #expect(try MetadataLocation(parsing: "sqlite") == .sqlite)
    }

    @Test(arguments: [
        ("postgres://fleet:hunter2@db/", "metadata URL 'postgres://fleet:***@db/': no database name after the host"),
        ("postgres://db:5432/registry", "metadata URL 'postgres://db:5432/registry': no user"),
        (
            "postgres://fleet:hunter2@db/r?sslmode=maybe",
            "metadata URL 'postgres://fleet:***@db/r?sslmode=maybe': unknown parameter 'sslmode=maybe' (only sslmode=disable or sslmode=require)"
        ),
        ("mysql://fleet:hunter2@db/r", "storage.metadata must be 'sqlite' or postgres://USER:PASSWORD@HOST:PORT/DB, got 'mysql://fleet:***@db/r'")
    ])
    func badValuesAreOneLineWithoutThePassword(_ value: String, _ expected: String) {
        var configuration = RegistryConfiguration()
        #expect {
            try configuration.apply(flags: ["storage.metadata": value])
        } throws: { error in
            "\(error)".hasPrefix(expected) && !"\(error)".contains("hunter2")
        }
        #expect(configuration.metadata == .sqlite)
    }

    @Test func theSettingComesFromTheFileTheEnvironmentAndTheFlag() throws {
        var configuration = RegistryConfiguration()
        try configuration.apply(yaml: "storage:\n  metadata: postgres://a:b@127.0.0.1:1/x\n", source: "registry.yaml")
        #expect(configuration.metadata == .postgres(PostgresLocation(host: "127.0.0.1", port: 1, username: "a", password: "b", database: "x")))
        try configuration.apply(environment: ["MODELFLEET_STORAGE_METADATA": "sqlite"])
        #expect(configuration.metadata == .sqlite)
        // The synchronous initializer opens SQLite only; PostgreSQL needs `RegistryServer.open`, which connects.
        configuration.metadata = .postgres(PostgresLocation(host: "127.0.0.1", username: "a", password: nil, database: "x"))
        #expect(throws: RegistryConfiguration.Invalid.self) { try RegistryServer(configuration: configuration) }
    }
}
