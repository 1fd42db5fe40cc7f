import FleetCore
import Foundation
import Testing

/// `modelfleet-registry backup` / `restore` with the real programs: a backup taken while the registry
/// serves, restored into a new data directory, and an agent enrolled before the backup keeps syncing
/// from the restored registry with the tokens it had. Damage on either side is named, never restored.
///
/// Synchronous apart from the registry's start: everything here is a program run (docs/decisions.md,
/// "Swift 6.3 hazard", on long async test bodies).
@Suite(.serialized) struct BackupRestoreTests {
    @Test func anAgentKeepsSyncingFromARestoredRegistry() throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = RegistryProcess(dataDirectory: dir.path + "/registry")
        try original.start()
        let admin = try original.token("admin.token")
        func fleetctl(_ registry: RegistryProcess, _ arguments: [String]) throws -> ProgramRunner.Result {
            try ProgramRunner.run("fleetctl", arguments + ["--registry", registry.baseURL, "--token", admin], in: dir)
        }
        let models = TestPaths.corpus.appendingPathComponent("models/digits-mlp").path
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try fleetctl(original, ["keys", "register", "publisher.pub"]).status == 0)
        #expect(try fleetctl(original, ["push", models + "/v1.onnx", "--model", "digits-mlp", "--version", "1.0.0"]).status == 0)
        #expect(try fleetctl(original, ["assign", "digits-mlp", "--select", "type=camera"]).status == 0)
        let agent = [
            "daemon", "--once", "--data-dir", dir.path + "/agent", "--registry", original.baseURL,
            "--enroll-token", try original.token("enroll.token"), "--trust", dir.path + "/publisher.pub", "--labels", "type=camera"
        ]
        let enrolled = try ProgramRunner.run("modelfleet-agent", agent)
        #expect(enrolled.status == 0, "\(enrolled.stdout) \(enrolled.stderr)")

        // Taken while the registry serves.
        let backup = try ProgramRunner.run("modelfleet-registry", ["backup", dir.path + "/backup", "--data-dir", original.dataDirectory])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.hasPrefix("backed up to \(dir.path)/backup: registry.sqlite (sha256:"), "\(backup.stdout)")
        let recorded = original.visibleChunkFiles().count
        #expect(backup.stdout.contains(", \(recorded) chunks verified"), "\(recorded) chunk files: \(backup.stdout)")
        let again = try ProgramRunner.run("modelfleet-registry", ["backup", dir.path + "/backup", "--data-dir", original.dataDirectory])
        #expect(again.status != 0 && again.stderr.contains("already exists; a backup goes into a new folder"), "\(again.stderr)")
        let port = String(original.baseURL.split(separator: ":").last ?? "")
        original.killHard()

        // The machine is lost: restore on the same address, from the backup alone.
        let restoredDirectory = dir.path + "/restored"
        let restore = try ProgramRunner.run("modelfleet-registry", ["restore", dir.path + "/backup", "--data-dir", restoredDirectory])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains(", \(recorded) chunks verified"), "\(restore.stdout)")
        let refused = try ProgramRunner.run("modelfleet-registry", ["restore", dir.path + "/backup", "--data-dir", restoredDirectory])
        #expect(refused.status != 0 && refused.stderr.contains("is not empty"), "\(refused.stderr)")
        let restored = RegistryProcess(dataDirectory: restoredDirectory)
        try restored.start(arguments: ["--bind", "127.0.0.1:" + port])
        #expect(!FileManager.default.fileExists(atPath: restoredDirectory + "/admin.token"), "the restored registry made itself new tokens")

        // The admin token, the publisher key, the assignment and the device's token all carry over.
        let pushed = try fleetctl(restored, ["push", models + "/v2.onnx", "--model", "digits-mlp", "--version", "1.1.0"])
        #expect(pushed.status == 0, "\(pushed.stderr)")
        let synced = try ProgramRunner.run("modelfleet-agent", agent)
        #expect(synced.status == 0, "\(synced.stdout) \(synced.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/agent/models/digits-mlp/current/v2.onnx"), "\(synced.stdout)")
        let devices = try fleetctl(restored, ["devices", "ls"])
        #expect(devices.stdout.contains("1 device(s)"), "\(devices.stdout)")
    }

    @Test func damageIsNamedAndNeverRestored() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = RegistryProcess(dataDirectory: dir.path + "/registry")
        try registry.start()
        let admin = try registry.token("admin.token")
        let token = ["--registry", registry.baseURL, "--token", admin]
        let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx").path
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        #expect(try ProgramRunner.run("fleetctl", ["keys", "register", "publisher.pub"] + token, in: dir).status == 0)
        #expect(try ProgramRunner.run("fleetctl", ["push", model, "--model", "digits-mlp", "--version", "1.0.0"] + token, in: dir).status == 0)
        registry.killHard()
        try Self.checkDamage(dir: dir.path, registry: registry)
    }

    static func checkDamage(dir: String, registry: RegistryProcess) throws {
        let data = registry.dataDirectory
        #expect(try ProgramRunner.run("modelfleet-registry", ["backup", dir + "/good", "--data-dir", data]).status == 0)

        // A flipped byte in the backup: restore names the chunk and writes no registry.
        let chunk = try #require(registry.visibleChunkFiles().sorted().first)
        let copy = dir + "/flipped"
        try FileManager.default.copyItem(atPath: dir + "/good", toPath: copy)
        try flipByte(in: copy + "/chunks/" + chunk)
        let digest = "sha256:" + String(chunk.split(separator: "/").last!.split(separator: ".").first!)
        let flipped = try ProgramRunner.run("modelfleet-registry", ["restore", copy, "--data-dir", dir + "/r1"])
        #expect(flipped.status != 0, "\(flipped.stdout)")
        #expect(
            flipped.stderr.contains("chunk \(digest) in the backup does not match its digest; the backup is damaged and nothing was restored"),
            "\(flipped.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/r1/registry.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/r1/chunks"))

        // A changed database or a missing backup.json: refused.
        let edited = dir + "/edited"
        try FileManager.default.copyItem(atPath: dir + "/good", toPath: edited)
        try flipByte(in: edited + "/registry.sqlite", at: 100)
        let database = try ProgramRunner.run("modelfleet-registry", ["restore", edited, "--data-dir", dir + "/r2"])
        #expect(database.status != 0 && database.stderr.contains("does not match backup.json"), "\(database.stderr)")
        try FileManager.default.removeItem(atPath: edited + "/backup.json")
        let unfinished = try ProgramRunner.run("modelfleet-registry", ["restore", edited, "--data-dir", dir + "/r2"])
        #expect(unfinished.status != 0 && unfinished.stderr.contains("is not a finished backup (no backup.json)"), "\(unfinished.stderr)")

        // A chunk already damaged in the registry: the backup says so, exits 1, holds it quarantined, and the
        // restored registry asks for it again instead of serving bad bytes.
        try flipByte(in: data + "/chunks/" + chunk)
        let damaged = try ProgramRunner.run("modelfleet-registry", ["backup", dir + "/damaged", "--data-dir", data])
        #expect(damaged.status == 1, "\(damaged.stdout) \(damaged.stderr)")
        #expect(
            damaged.stdout.contains("1 chunk(s) referenced by committed versions were missing or damaged") && damaged.stdout.contains(digest),
            "\(damaged.stdout)")
        let restored = try ProgramRunner.run("modelfleet-registry", ["restore", dir + "/damaged", "--data-dir", dir + "/r3"])
        #expect(restored.status == 0, "\(restored.stderr)")
        let hex = String(digest.dropFirst("sha256:".count))
        let quarantined = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/r3/chunks/quarantine")) ?? []
        #expect(quarantined.contains { $0.hasPrefix(hex) && !$0.hasSuffix(".reason") }, "\(quarantined)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/r3/chunks/" + chunk))
    }

    static func flipByte(in path: String, at offset: Int = 10) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[min(offset, bytes.count - 1)] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
