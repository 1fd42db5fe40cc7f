import FleetCore
import FleetHTTP
import Foundation
import Testing

/// `fleetctl models`, `versions diff` and `tokens create` against a real registry process.
@Suite(.serialized) struct FleetctlQueryTests {
    @Test func modelsVersionsDiffAndScopedTokens() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = RegistryProcess(dataDirectory: dir.path + "/data")
        try registry.start()
        func fleetctl(_ arguments: [String], token: [String] = ["--token-file", "data/admin.token"]) throws -> ProgramRunner.Result {
            try ProgramRunner.run("fleetctl", arguments + ["--registry", registry.baseURL] + token, in: dir)
        }
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try fleetctl(["keys", "register", "publisher.pub"]).status == 0)
        let models = TestPaths.corpus.appendingPathComponent("models/digits-mlp")
        for (version, file, ram) in [("1.0.0", "v1.onnx", "64M"), ("1.1.0", "v3.onnx", "1G")] {
            let pushed = try fleetctl(["push", models.appendingPathComponent(file).path, "--model", "digits-mlp", "--version", version, "--min-ram", ram])
            #expect(pushed.status == 0, "\(pushed.stderr)")
        }

        let listed = try fleetctl(["models", "ls"])
        #expect(listed.status == 0 && listed.stdout.contains("digits-mlp  1.1.0   2         fp32"), "\(listed.stdout)")
        let shown = try fleetctl(["models", "show", "digits-mlp"])
        #expect(shown.status == 0 && shown.stdout.split(separator: "\n").dropFirst().first?.hasPrefix("1.1.0    fp32") == true, "\(shown.stdout)")
        #expect(shown.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 })

        // 1.1.0 refits only the output layer (5,160 bytes of tensors): that is about all a device downloads.
        struct Row: Decodable {
            var variant: String
            var transfer: Transfer
        }
        let diff = try fleetctl(["versions", "diff", "digits-mlp", "1.0.0", "1.1.0", "--json"])
        #expect(diff.status == 0, "\(diff.stderr)")
        let rows = try JSONDecoder().decode([Row].self, from: Data(diff.stdout.utf8))
        let fp32 = try #require(rows.first)
        #expect(rows.map(\.variant) == ["fp32"])
        #expect(fp32.transfer.storedBytes > 0 && fp32.transfer.storedBytes < 2 * 5_160, "\(fp32.transfer)")
        #expect(fp32.transfer.chunks < fp32.transfer.totalChunks && fp32.transfer.totalStoredBytes > 50_000)
        let table = try fleetctl(["versions", "diff", "digits-mlp", "1.0.0", "1.1.0"])
        #expect(table.stdout.contains("digits-mlp 1.0.0 -> 1.1.0") && table.stdout.contains("fp32"))
        let missing = try fleetctl(["versions", "diff", "digits-mlp", "0.9.0", "1.1.0"])
        #expect(missing.status != 0 && missing.stderr.contains("digits-mlp has no version 0.9.0"))

        // A fleet-scoped token manages devices but cannot publish; the audit log names it.
        let created = try fleetctl(["tokens", "create", "--scope", "fleet", "--label", "ops-oncall"])
        #expect(created.status == 0, "\(created.stderr)")
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("mfa_"))
        #expect(try fleetctl(["assign", "digits-mlp", "--select", "type=camera"], token: ["--token", token]).status == 0)
        let refused = try fleetctl(
            ["push", models.appendingPathComponent("v2.onnx").path, "--model", "digits-mlp", "--version", "2.0.0"], token: ["--token", token])
        #expect(refused.status != 0 && refused.stderr.contains("403"), "\(refused.stderr)")
        let badScope = try fleetctl(["tokens", "create", "--scope", "everything", "--label", "x"])
        #expect(badScope.status != 0 && badScope.stderr.contains("unknown scope 'everything'"))
        // A device too small for 1.1.0 (signed requirement: 1 GiB of RAM) is sent nothing and listed as incompatible.
        let small = try await RegistryClient(baseURL: registry.baseURL, token: try registry.token("enroll.token"))
            .enroll(DeviceProfile(arch: "aarch64", ramBytes: 512 << 20, diskBytes: 1 << 30, engineVersion: "0.1.0", labels: ["type": "camera"]))
        let answer = try await RegistryClient(baseURL: registry.baseURL, token: small.token).checkin(
            deviceID: small.deviceID, CheckinRequest(installed: [], state: "idle"))
        #expect(answer.desired.isEmpty)
        struct Devices: Decodable { var devices: [DeviceSummary] }
        let incompatible = try fleetctl(["devices", "ls", "--state", "incompatible", "--json"])
        #expect(try JSONDecoder().decode(Devices.self, from: Data(incompatible.stdout.utf8)).devices.map(\.id) == [small.deviceID])
        let shownSmall = try fleetctl(["devices", "show", small.deviceID])
        let words = shownSmall.stdout.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        #expect(words.contains("cannot: run digits-mlp 1.1.0, which it should: fp32: needs 1024 MiB of RAM, the device has 512 MiB"), "\(shownSmall.stdout)")

        struct Entries: Decodable { var entries: [AuditEntry] }
        let audit = try JSONDecoder().decode(Entries.self, from: Data(try fleetctl(["audit", "--json"]).stdout.utf8)).entries
        #expect(audit.contains { $0.actor == "admin.token" && $0.action == "token.create" && $0.subject == "ops-oncall" })
        #expect(audit.contains { $0.actor == "ops-oncall" && $0.action == "assignment.set" })
    }
}
