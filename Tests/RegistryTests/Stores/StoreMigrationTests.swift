import FleetCore
import Foundation
import Logging
import TestPostgres
import Testing

@testable import Registry

/// Schemas are created and migrated at start, also when replicas start at the same moment.
@Suite struct StoreMigrationTests {
    typealias S = StoreSamples

    /// Four stores opening one new database at once (replicas started together): all of them start, the schema
    /// is made once, and each sees what another wrote.
    @Test(arguments: StoreKind.allCases)
    func replicasStartingAtOnceMigrateOnce(_ kind: StoreKind) async throws {
        let location = try await StoreLocation.fresh(kind)
        defer { location.remove() }
        let stores = try await withThrowingTaskGroup(of: (any MetadataStore).self) { group in
            for _ in 0..<4 { group.addTask { try await location.open() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        try await stores[0].insertDevice(S.device("d1"))
        for store in stores { #expect(try await store.device(id: "d1") != nil) }
        // And a restart finds its data and migrates nothing.
        #expect(try await location.open().devices().map(\.id) == ["d1"])
    }

    @Test func postgresRecordsEachSchemaVersionOnceAndRefusesANewerOne() async throws {
        let location = try await StoreLocation.fresh(.postgres)
        _ = try await location.open()
        _ = try await location.open()
        let url = location.address
        // A registry from the future migrated this database: an older one must not write to it.
        try await TestPostgres.execute("INSERT INTO modelfleet_schema (version, name, appliedAt) VALUES (\(PostgresSchema.latest + 1), 'future', 0)", on: url)
        await #expect {
            _ = try await location.open()
        } throws: { error in
            "\(error)"
                == "cannot use the PostgreSQL metadata store \(try PostgresLocation(parsing: url)): the PostgreSQL schema is at version \(PostgresSchema.latest + 1), newer than this registry knows (\(PostgresSchema.latest)); run a newer registry"
        }
        try await TestPostgres.execute("DELETE FROM modelfleet_schema WHERE version > \(PostgresSchema.latest)", on: url)
        try await TestPostgres.execute(
            "DO $$ BEGIN IF (SELECT COUNT(*) FROM modelfleet_schema) <> \(PostgresSchema.migrations.count) THEN RAISE EXCEPTION 'versions applied twice'; END IF; END $$",
            on: url)
    }

    /// What an operator sees when the URL is wrong: one line naming the store (never the password) and the reason.
    @Test func postgresStartupFailuresAreOneClearLine() async throws {
        let server = try PostgresLocation(parsing: try await TestPostgres.serverURL())
        let logger = {
            var logger = Logging.Logger(label: "test")
            logger.logLevel = .critical
            return logger
        }()
        func failure(_ location: PostgresLocation) async -> String {
            switch await AsyncResult.attempt({ try await PostgresMetadataStore.connect(to: location, logger: logger) }) {
            case .success: "connected"
            case .failure(let error): "\(error)"
            }
        }
        var wrongPassword = server
        wrongPassword.password = "not-the-password"
        let refused = await failure(wrongPassword)
        #expect(refused.hasPrefix("cannot use the PostgreSQL metadata store postgres://modelfleet@127.0.0.1:\(server.port)/postgres: "), "\(refused)")
        #expect(refused.contains("password authentication failed for user \"modelfleet\"") && refused.contains("28P01"), "\(refused)")
        #expect(!refused.contains("not-the-password") && !refused.contains("\n"))

        var missing = server
        missing.database = "no_such_database"
        #expect(await failure(missing).contains("database \"no_such_database\" does not exist"))

        // A port nothing listens on: refused at once, not retried.
        var closed = server
        closed.port = 1
        let started = ContinuousClock.now
        let unreachable = await failure(closed)
        #expect(unreachable.hasPrefix("cannot use the PostgreSQL metadata store postgres://modelfleet@127.0.0.1:1/postgres: cannot connect"), "\(unreachable)")
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
