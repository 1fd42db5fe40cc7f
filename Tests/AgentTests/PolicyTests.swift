import FleetCore
import Foundation
import Glibc
import TestSupport
import Testing

@testable import Agent

@Suite struct PolicyTests {
    func localTime(hour: Int32, minute: Int32) -> time_t {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = 0
        return mktime(&parts)
    }

    @Test func downloadWindowsIncludingOnesThatWrapMidnight() throws {
        let night = SyncPolicy(downloadWindows: [try DailyWindow(parsing: "22:00-06:00")])
        #expect(night.deferral(at: localTime(hour: 23, minute: 30)) == nil)
        #expect(night.deferral(at: localTime(hour: 5, minute: 59)) == nil)
        #expect(night.deferral(at: localTime(hour: 12, minute: 0))?.reason == "outside the download windows (22:00-06:00)")
        #expect(throws: (any Error).self) { try DailyWindow(parsing: "25:00-01:00") }
        #expect(throws: (any Error).self) { try DailyWindow(parsing: "noon") }
    }

    @Test func batteryBelowTheMinimumDefersAndNoBatteryDoesNot() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("capacity-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let policy = SyncPolicy(minimumBatteryPercent: 30, batteryCapacityPath: path)
        #expect(policy.deferral() == nil)  // no battery file: mains power
        try "12\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(policy.deferral()?.reason == "battery at 12%, below the 30% minimum")
        try "87\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(policy.deferral() == nil)
    }

    /// Each setting switches on one rule; the first rule that objects is the reason reported.
    @Test func theFirstRuleThatObjectsIsTheReason() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("capacity-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "12\n".write(toFile: path, atomically: true, encoding: .utf8)
        let noon = localTime(hour: 12, minute: 0)
        var policy = SyncPolicy(downloadWindows: [try DailyWindow(parsing: "01:00-05:00")], minimumBatteryPercent: 30, batteryCapacityPath: path)
        #expect(policy.rules.count == 2)
        #expect(policy.deferral(at: noon)?.reason == "outside the download windows (01:00-05:00)")
        policy.downloadWindows = []
        #expect(policy.deferral(at: noon)?.reason == "battery at 12%, below the 30% minimum")
        policy.minimumBatteryPercent = nil
        #expect(policy.deferral(at: noon) == nil)
    }

    @Test func aLowBatteryDefersTheSyncAndItResumesWhenCharged() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "")
        try await publisher.publish(model: "digits-mlp", version: "1.0.0", file: TestPublisher.corpus("models/digits-mlp/v1.onnx"), to: registry.admin)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let battery = data + "/capacity"
        try "5".write(toFile: battery, atomically: true, encoding: .utf8)
        var settings = AgentSettings(registry: registry.baseURL, enrollToken: registry.enrollToken, dataDirectory: data, trustedKeys: [publisher.key.publicKey])
        settings.policy = SyncPolicy(minimumBatteryPercent: 20, batteryCapacityPath: battery)
        let engine = try SyncEngine(settings: settings)
        let waiting = try #require(try await engine.checkInAndSync().first)
        #expect(waiting.result == .deferred(reason: "battery at 5%, below the 20% minimum"))
        #expect(waiting.bytesDownloaded == 0)
        try "95".write(toFile: battery, atomically: true, encoding: .utf8)
        guard case .activated = try #require(try await engine.checkInAndSync().first).result else {
            Issue.record("not activated once charged")
            return
        }
        let id = try String(contentsOfFile: data + "/device.id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await registry.admin.send("GET", "/v1/devices/\(id)/events").text.contains("battery at 5%, below the 20% minimum"))
    }

    /// After each swap only the live version and the rollback target stay, with the chunks they use.
    @Test func oldVersionsAndTheirChunksAreCollectedAfterASwap() async throws {
        let registry = try await RegistryHarness.start()
        let publisher = try await registry.publisher(assigning: "digits-mlp", selector: "")
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path
        let engine = try SyncEngine(
            settings: AgentSettings(
                registry: registry.baseURL, enrollToken: registry.enrollToken, dataDirectory: data,
                trustedKeys: [publisher.key.publicKey]))
        for (version, file) in [("1.0.0", "v1"), ("2.0.0", "v2"), ("3.0.0", "v3")] {
            try await publisher.publish(model: "digits-mlp", version: version, file: TestPublisher.corpus("models/digits-mlp/\(file).onnx"), to: registry.admin)
            guard case .activated = try #require(try await engine.checkInAndSync().first).result else {
                Issue.record("\(version) not activated")
                return
            }
        }
        let versions = try FileManager.default.contentsOfDirectory(atPath: data + "/models/digits-mlp/versions").sorted()
        #expect(versions == ["2.0.0+fp32", "3.0.0+fp32"])
        #expect(try String(contentsOfFile: data + "/models/digits-mlp/current/manifest.json", encoding: .utf8).contains(#""version":"3.0.0""#))
        // The chunk store holds exactly the chunks of v2 and v3.
        let kept = Set(
            try [("2.0.0+fp32"), ("3.0.0+fp32")].flatMap { version -> [String] in
                let text = try [UInt8](Data(contentsOf: URL(fileURLWithPath: data + "/models/digits-mlp/versions/\(version)/manifest.json")))
                return try ManifestCoding.decode(text).manifest.files.flatMap(\.chunks).map(\.digest.hex)
            })
        let stored = Set(
            try FileManager.default.subpathsOfDirectory(atPath: data + "/chunks").filter {
                $0.split(separator: "/").count == 2 && $0.first != "p" && $0.first != "i"
            }
            .map { String($0.split(separator: "/")[1]) })
        #expect(stored == kept)
    }
}
