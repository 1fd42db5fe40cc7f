import FleetCore
import Foundation
import TestProcesses
import Testing

@testable import Registry

/// `health()` flushes buffered check-ins before reading. A flush used to return at once when another one
/// was still writing (it found the buffer already taken), so a gate could read health without those reports.
@Suite struct CheckinFlushOrderTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("flush-\(UUID().uuidString).sqlite").path

    /// Holds SQLite's write lock from another process (python3's sqlite3) until it is killed.
    func holdWriteLock(marker: String) throws -> SpawnedProcess {
        let python = SpawnedProcess()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            time.sleep(1.5)
            db.execute("ROLLBACK")
            """, path, marker
        ]
        try python.run()
        return python
    }

    @Test func healthWaitsForTheFlushInFlight() async throws {
        defer { for suffix in ["", "-wal", "-shm", ".locked"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let sqlite = try SQLiteMetadataStore(path: path)
        let store = CachingMetadataStore(wrapping: sqlite)
        let now = Timestamp.now()
        let v2 = SemanticVersion(major: 2, minor: 0, patch: 0)
        try await store.insertDevice(
            DeviceRecord(id: "d1", profile: DeviceProfile(arch: "x86_64", ramBytes: 1, diskBytes: 1, engineVersion: "0"), labels: [:], enrolledAt: now))
        try await store.recordCheckins([
            CheckinRecord(
                deviceID: "d1", at: now,
                report: CheckinRequest(
                    installed: [], state: "idle",
                    installs: [InstallReport(model: "m", version: v2, result: .ok, selfTest: .passed)]))
        ])
        let locker = try holdWriteLock(marker: path + ".locked")
        while !FileManager.default.fileExists(atPath: path + ".locked") { try await Task.sleep(for: .milliseconds(10)) }

        // The scheduler's flush takes the buffered report and waits for the lock...
        let inFlight = Task { try await store.flush() }
        try await Task.sleep(for: .milliseconds(300))
        // ...and a gate reading health meanwhile must see the report once it is written.
        let rows = try await store.health(model: "m")
        #expect(rows.map(\.deviceID) == ["d1"])
        try await inFlight.value
        locker.waitUntilExit()
    }
}
