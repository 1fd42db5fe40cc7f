import FleetCore
import FleetHTTP
import Foundation
import Testing

/// `fleetctl` rollout, device, fleet and audit commands against a real `modelfleet-registry` process,
/// with devices simulated over HTTP so that one of them can report a failed self-test.
@Suite(.serialized) struct FleetctlRolloutTests {
    let dir: URL
    let registry: RegistryProcess

    init() throws {
        dir = try TestPaths.scratch()
        registry = RegistryProcess(dataDirectory: dir.path + "/data")
        try registry.start()
    }

    func fleetctl(_ arguments: [String]) throws -> ProgramRunner.Result {
        try ProgramRunner.run("fleetctl", arguments + ["--registry", registry.baseURL, "--token-file", "data/admin.token"], in: dir)
    }

    func enroll(_ labels: [String: String]) async throws -> (id: String, client: RegistryClient) {
        let enrolled = try await RegistryClient(baseURL: registry.baseURL, token: try registry.token("enroll.token"))
            .enroll(DeviceProfile(arch: "x86_64", ramBytes: 1 << 30, diskBytes: 1 << 33, engineVersion: "0.0.0", labels: labels))
        return (enrolled.deviceID, RegistryClient(baseURL: registry.baseURL, token: enrolled.token))
    }

    func checkin(_ device: (id: String, client: RegistryClient), _ version: String, install: InstallReport? = nil) async throws {
        let installed = [InstalledModel(model: "digits-mlp", version: try SemanticVersion(parsing: version), variant: "fp32")]
        _ = try await device.client.checkin(deviceID: device.id, CheckinRequest(installed: installed, state: "idle", installs: install.map { [$0] } ?? []))
    }

    func expectFits80Columns(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let wide = text.split(separator: "\n").filter { $0.count > 80 }
        #expect(wide.isEmpty, "lines over 80 columns: \(wide)", sourceLocation: sourceLocation)
    }

    @Test func operatorDrivesARolloutFromTheCommandLine() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try fleetctl(["keys", "register", "publisher.pub"]).status == 0)
        let models = TestPaths.corpus.appendingPathComponent("models/digits-mlp")
        for (version, file) in [("1.0.0", "v1.onnx"), ("2.0.0", "v2.onnx")] {
            let pushed = try fleetctl(["push", models.appendingPathComponent(file).path, "--model", "digits-mlp", "--version", version, "--json"])
            #expect(pushed.status == 0, "\(pushed.stderr)")
        }
        #expect(try fleetctl(["assign", "digits-mlp", "--version", "1.0.0", "--select", "type=camera"]).status == 0)
        var cameras: [(id: String, client: RegistryClient)] = []
        for _ in 0..<3 { cameras.append(try await enroll(["type": "camera"])) }
        let gateway = try await enroll(["type": "gateway"])
        for camera in cameras { try await checkin(camera, "1.0.0") }

        let created = try fleetctl([
            "rollout", "create", "digits-mlp", "--version", "2.0.0", "--select", "type=camera", "--stages", "100",
            "--soak", "0", "--max-failure", "2%", "--max-p95-regression", "20%", "--json"
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let rollout = try JSONDecoder().decode(RolloutStatus.self, from: Data(created.stdout.utf8)).rollout
        #expect(rollout.gates == RolloutGates(maxInstallFailureRatio: 0.02, maxSelfTestFailureRatio: 0.02, maxP95Regression: 0.2))

        // A second rollout of the model is refused, with the status and the server's reason.
        let refused = try fleetctl(["rollout", "create", "digits-mlp", "--version", "2.0.0", "--select", "type=camera"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("409") && refused.stderr.contains("already has rollout \(rollout.id) in flight"), "\(refused.stderr)")

        // One camera's self-test fails: the registry's scheduler pauses the rollout on its own.
        let v2 = try SemanticVersion(parsing: "2.0.0")
        try await checkin(
            cameras[0], "1.0.0", install: InstallReport(model: "digits-mlp", version: v2, result: .failed, selfTest: .failed, message: "self-test failed"))
        try await checkin(cameras[1], "2.0.0", install: InstallReport(model: "digits-mlp", version: v2, result: .ok, selfTest: .passed))
        var status = try fleetctl(["rollout", "status", rollout.id])
        let deadline = Date().addingTimeInterval(15)
        while !status.stdout.contains("state:    paused "), Date() < deadline {
            try await Task.sleep(for: .milliseconds(250))
            status = try fleetctl(["rollout", "status", rollout.id])
        }
        #expect(status.status == 0, "\(status.stderr)")
        // Long fields wrap at 80 columns; read them as one line.
        let words = status.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("state: paused - self-test failures: 1 of 3 devices (33.3%) at stage 1 (100%) exceed the 2% gate"), "\(status.stdout)")
        #expect(words.contains("devices: 3 in stage: 1 installed, 0 install failed, 1 self-test failed, 1 pending"), "\(status.stdout)")
        expectFits80Columns(status.stdout)

        let listed = try fleetctl(["rollout", "ls"])
        #expect(listed.status == 0 && listed.stdout.contains(rollout.id) && listed.stdout.contains("paused"))
        expectFits80Columns(listed.stdout)

        struct Devices: Decodable { var devices: [DeviceSummary] }
        let failing = try fleetctl(["devices", "ls", "--state", "failing", "--json"])
        #expect(try JSONDecoder().decode(Devices.self, from: Data(failing.stdout.utf8)).devices.map(\.id) == [cameras[0].id])
        let gateways = try fleetctl(["devices", "ls", "--select", "type=gateway"])
        #expect(gateways.status == 0 && gateways.stdout.contains(gateway.id) && !gateways.stdout.contains(cameras[0].id))
        #expect(gateways.stdout.contains("1 device(s)"))
        expectFits80Columns(try fleetctl(["devices", "ls"]).stdout)

        #expect(try fleetctl(["devices", "label", gateway.id, "site=eu"]).status == 0)
        let shown = try fleetctl(["devices", "show", gateway.id, "--json"])
        #expect(try JSONDecoder().decode(DeviceDetail.self, from: Data(shown.stdout.utf8)).device.labels == ["type": "gateway", "site": "eu"])
        let camera = try fleetctl(["devices", "show", cameras[0].id])
        #expect(camera.stdout.contains("state:    failing\n") && camera.stdout.contains("desired:  digits-mlp 2.0.0 (fp32)"), "\(camera.stdout)")
        #expect(camera.stdout.contains("digits-mlp  2.0.0    failed   failed"), "\(camera.stdout)")
        expectFits80Columns(camera.stdout)

        let fleet = try fleetctl(["fleet", "status"])
        #expect(fleet.status == 0 && fleet.stdout.contains("4 device(s)") && fleet.stdout.contains(rollout.id), "\(fleet.stdout)")
        expectFits80Columns(fleet.stdout)

        // Rollback signs a directive with the publisher key; a rolled-back rollout cannot resume.
        let rolledBack = try fleetctl(["rollout", "rollback", rollout.id, "--key", "publisher.key"])
        #expect(rolledBack.status == 0, "\(rolledBack.stderr)")
        #expect(rolledBack.stdout.contains("state:    rolledBack - rollback by admin.token"), "\(rolledBack.stdout)")
        let resumed = try fleetctl(["rollout", "resume", rollout.id])
        #expect(resumed.status != 0 && resumed.stderr.contains("409"))
        let unknown = try fleetctl(["rollout", "status", "ro-nope"])
        #expect(unknown.status != 0 && unknown.stderr.contains("404") && unknown.stderr.contains("no rollout ro-nope"), "\(unknown.stderr)")

        let audit = try fleetctl(["audit", "--since", "1h"])
        #expect(audit.status == 0)
        for action in ["rollout.create", "rollout.paused", "rollout.rollback", "device.labels", "version.commit"] {
            #expect(audit.stdout.contains(action), "audit lacks \(action): \(audit.stdout)")
        }
        expectFits80Columns(audit.stdout)
        struct Entries: Decodable { var entries: [AuditEntry] }
        let entries = try JSONDecoder().decode(Entries.self, from: Data(try fleetctl(["audit", "--json"]).stdout.utf8)).entries
        #expect(entries.first { $0.action == "rollout.paused" }?.actor == "registry")
        #expect(entries.first { $0.action == "rollout.rollback" }?.actor == "admin.token")
    }

    /// `rollout watch` waits for the end and says how it ended in its exit status, for scripts.
    @Test func watchExitsWithHowTheRolloutEnded() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try fleetctl(["keys", "register", "publisher.pub"]).status == 0)
        let models = TestPaths.corpus.appendingPathComponent("models/digits-mlp")
        for (version, file) in [("1.0.0", "v1.onnx"), ("2.0.0", "v2.onnx"), ("3.0.0", "v3.onnx")] {
            #expect(try fleetctl(["push", models.appendingPathComponent(file).path, "--model", "digits-mlp", "--version", version]).status == 0)
        }
        #expect(try fleetctl(["assign", "digits-mlp", "--version", "1.0.0", "--select", "type=camera"]).status == 0)
        func create(_ version: String, _ selector: String, stages: String) throws -> String {
            let created = try fleetctl(["rollout", "create", "digits-mlp", "--version", version, "--select", selector, "--stages", stages, "--json"])
            #expect(created.status == 0, "\(created.stderr)")
            return try JSONDecoder().decode(RolloutStatus.self, from: Data(created.stdout.utf8)).rollout.id
        }
        // No device matches: every stage is reached at once, and the scheduler (every second) completes it.
        let empty = try create("2.0.0", "type=nothing", stages: "50,100")
        let completed = try fleetctl(["rollout", "watch", empty, "--interval", "1", "--timeout", "60s"])
        #expect(completed.status == 0, "\(completed.stdout)\(completed.stderr)")
        #expect(completed.stdout.contains("completed  stage 2/2 (100%)"), "\(completed.stdout)")

        // A camera that never reports keeps the next one active: the watch gives up at its timeout.
        _ = try await enroll(["type": "camera"])
        let waiting = try create("3.0.0", "type=camera", stages: "100")
        let timedOut = try fleetctl(["rollout", "watch", waiting, "--interval", "1", "--timeout", "2s"])
        #expect(timedOut.status == 4, "\(timedOut.stdout)\(timedOut.stderr)")
        #expect(timedOut.stdout.contains("active  stage 1/1 (100%)  0 of 1 installed, 1 pending, 0 failed"), "\(timedOut.stdout)")
        #expect(timedOut.stderr.contains("did not finish within 2s"))

        #expect(try fleetctl(["rollout", "pause", waiting]).status == 0)
        let paused = try fleetctl(["rollout", "watch", waiting, "--json"])
        #expect(paused.status == 2, "\(paused.stderr)")
        #expect(try JSONDecoder().decode(RolloutStatus.self, from: Data(paused.stdout.utf8)).rollout.state == .paused)
        #expect(try fleetctl(["rollout", "abort", waiting]).status == 0)
        #expect(try fleetctl(["rollout", "watch", waiting]).status == 3)
        let unknown = try fleetctl(["rollout", "watch", "ro_nothing"])
        #expect(unknown.status == 1 && unknown.stderr.contains("404"), "\(unknown.stderr)")
    }
}
