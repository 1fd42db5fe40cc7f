import FleetCore
import Foundation
import Logging
import TestPostgres
import Testing

@testable import Registry

/// PostgreSQL going away under a running registry: requests fail soon with `unreachable` (503, a message naming
/// the database), and succeed again once it is back, without reopening the store.
@Suite struct PostgresOutageTests {
    @Test func anOutageIsUnreachableAndTheStoreRecoversOnItsOwn() async throws {
        let server = try PrivateServer()
        let logger = {
            var logger = Logger(label: "outage-test")
            logger.logLevel = .critical
            return logger
        }()
        let location = try PostgresLocation(parsing: server.url)
        let store = try await PostgresMetadataStore.connect(to: location, logger: logger, leaseTimeout: .seconds(2))
        // The 2 s lease makes the outage quick to see; on a loaded machine the first connection of a healthy
        // server can take longer than that (a full run failed here), so the set-up insert may be retried.
        var inserted = false
        for _ in 0..<10 where !inserted {
            inserted = (try? await store.insertDevice(StoreSamples.device("d1"))) != nil
        }
        try #require(inserted, "the running database took no insert in 10 attempts")
        try server.stop()

        for attempt in 0..<3 {
            let started = ContinuousClock.now
            let outcome = await AsyncResult.attempt { try await store.devices() }
            guard case .failure(let error) = outcome, case .unreachable(let message) = error as? StorageError else {
                Issue.record("attempt \(attempt) while the database is down: \(outcome)")
                continue
            }
            #expect(message.contains("the metadata database \(location)") && !message.contains(location.password ?? "?"), "\(message)")
            #expect(ContinuousClock.now - started < .seconds(10), "attempt \(attempt) took \(ContinuousClock.now - started)")
        }
        await #expect(throws: StorageError.self) { try await store.insertDevice(StoreSamples.device("d2")) }

        try server.start()
        let deadline = ContinuousClock.now + .seconds(90)
        var devices: [DeviceRecord]?
        while devices == nil, ContinuousClock.now < deadline {
            devices = try? await store.devices()
            if devices == nil { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(devices?.map(\.id) == ["d1"], "the store did not recover within 90 s of the restart")
        try await store.insertDevice(StoreSamples.device("d2"))
        #expect(try await store.devices().map(\.id) == ["d1", "d2"])
    }
}
