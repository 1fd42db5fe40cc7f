import FleetCore
import FleetHTTP
import Foundation
import Testing

/// `fleetctl tokens ls/revoke`, `devices rm`, `versions rm`, `gc` against a real registry process, and the
/// real agent of a decommissioned device.
@Suite(.serialized) struct FleetctlLifecycleTests {
    @Test func tokensDevicesVersionsAndGarbageCollectionFromTheCommandLine() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = RegistryProcess(dataDirectory: dir.path + "/data")
        try registry.start()
        func fleetctl(_ arguments: [String], token: [String] = ["--token-file", "data/admin.token"]) throws -> ProgramRunner.Result {
            try ProgramRunner.run("fleetctl", arguments + ["--registry", registry.baseURL] + token, in: dir)
        }

        // tokens: create with an expiry, list (no secret), revoke, refused at once.
        let created = try fleetctl(["tokens", "create", "--scope", "read", "--label", "dashboard", "--expires", "30d"])
        #expect(created.status == 0, "\(created.stderr)")
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let id = try #require(created.stderr.split(separator: " ").first.map(String.init))
        #expect(id.hasPrefix("tok_") && created.stderr.contains("expires"))
        let listed = try fleetctl(["tokens", "ls"])
        #expect(listed.status == 0 && listed.stdout.contains(id) && listed.stdout.contains("dashboard"), "\(id): \(listed.stdout) \(listed.stderr)")
        #expect(!listed.stdout.contains(secret))
        #expect(listed.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(listed.stdout)")
        #expect(try fleetctl(["models", "ls"], token: ["--token", secret]).status == 0)
        let revoked = try fleetctl(["tokens", "revoke", id])
        #expect(revoked.status == 0 && revoked.stdout.contains("revoked \(id)"), "\(revoked.stderr)")
        let refused = try fleetctl(["models", "ls"], token: ["--token", secret])
        #expect(refused.status != 0 && refused.stderr.contains("401 token_revoked"), "\(refused.stderr)")

        // A device running 1.0.0 is decommissioned: the real agent says why and exits 3 (--once), without retrying.
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try fleetctl(["keys", "register", "publisher.pub"]).status == 0)
        let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx").path
        #expect(try fleetctl(["push", model, "--model", "digits-mlp", "--version", "1.0.0"]).status == 0)
        #expect(try fleetctl(["assign", "digits-mlp", "--select", "type=camera"]).status == 0)
        let agent = [
            "daemon", "--once", "--data-dir", dir.path + "/agent", "--registry", registry.baseURL,
            "--enroll-token", try registry.token("enroll.token"), "--trust", dir.path + "/publisher.pub", "--labels", "type=camera"
        ]
        let synced = try ProgramRunner.run("modelfleet-agent", agent)
        #expect(synced.status == 0, "\(synced.stdout) \(synced.stderr)")
        let device = try String(contentsOfFile: dir.path + "/agent/device.id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        // The version it runs is assigned (the latest): removal is refused, saying why, until forced.
        let kept = try fleetctl(["versions", "rm", "digits-mlp", "1.0.0"])
        #expect(kept.status != 0 && kept.stderr.contains("409") && kept.stderr.contains("assignment 'type=camera' resolves to 1.0.0"), "\(kept.stderr)")
        let removed = try fleetctl(["versions", "rm", "digits-mlp", "1.0.0", "--force"])
        #expect(removed.status == 0 && removed.stdout.contains("removed digits-mlp 1.0.0 (fp32)"), "\(removed.stderr)")
        let collected = try fleetctl(["gc", "--grace", "0s"])
        #expect(collected.status == 0 && collected.stdout.contains("deleted ") && !collected.stdout.contains("deleted 0 chunk"), "\(collected.stdout)")
        // The device keeps running what it has.
        #expect(try ProgramRunner.run("modelfleet-agent", agent).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/agent/models/digits-mlp/current/v1.onnx"))

        let rm = try fleetctl(["devices", "rm", device])
        #expect(rm.status == 0 && rm.stdout.contains("decommissioned \(device)"), "\(rm.stderr)")
        let stopped = try ProgramRunner.run("modelfleet-agent", agent)
        #expect(stopped.status == 3, "\(stopped.stdout) \(stopped.stderr)")
        #expect(stopped.stdout.contains("this device was decommissioned by the registry"), "\(stopped.stdout)")
        let again = try ProgramRunner.run("modelfleet-agent", agent)
        #expect(again.status == 3 && again.stdout.contains("decommissioned"))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/agent/models/digits-mlp/current/v1.onnx"))
        let devices = try fleetctl(["devices", "ls"])
        #expect(devices.status == 0 && !devices.stdout.contains(device) && devices.stdout.contains("0 device(s)"), "\(devices.stdout)")
        let audit = try fleetctl(["audit"])
        #expect(audit.stdout.contains("device.decommission") && audit.stdout.contains("version.remove") && audit.stdout.contains("token.revoke"))
    }

    /// The daemon of a decommissioned device says why once and stops checking in (no retry loop), while
    /// its local API keeps answering.
    @Test func aDecommissionedDaemonStopsCheckingInWithoutARetryLoop() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = RegistryProcess(dataDirectory: dir.path + "/data")
        try registry.start()
        let agent = try AgentDaemonProcess(
            registry: registry.baseURL, arguments: ["--enroll-token", try registry.token("enroll.token"), "--checkin-interval", "1"])
        let api = try agent.localAPI()
        let idFile = agent.directory.path + "/agent/device.id"
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: idFile), ContinuousClock.now < deadline { usleep(50_000) }
        let device = try String(contentsOfFile: idFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        try await registry.admin.decommission(deviceID: device)
        let said = ServingProcessTests.wait(for: "this device was decommissioned", in: agent.log, seconds: 30)
        #expect(said.contains("this device was decommissioned by the registry"), "\(said)")
        // Refused requests are counted whatever route they named (authentication runs before routing).
        func checkins() async throws -> Int {
            try await registry.admin.send("GET", "/metrics").text.split(separator: "\n")
                .filter { $0.hasPrefix("modelfleet_http_requests_total{") && $0.contains(#"status="403""#) }
                .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
        let before = try await checkins()
        try await Task.sleep(for: .seconds(3))
        #expect(before > 0)
        #expect(try await checkins() == before, "a decommissioned agent with a 1 s interval kept checking in")
        #expect(agent.output.components(separatedBy: "this device was decommissioned").count == 2, "\(agent.output)")
        #expect(agent.process.isRunning)
        #expect(try await HTTPClient().send(HTTPRequest(method: "GET", url: api + "/v1/models")).status == 200)
    }
}
