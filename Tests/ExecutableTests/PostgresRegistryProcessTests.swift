import FleetCore
import FleetHTTP
import Foundation
import TestPostgres
import Testing

/// The registry binary on PostgreSQL, as an operator runs it: `serve --metadata postgres://…`.
@Suite(.serialized) struct PostgresRegistryProcessTests {
    /// A push, an assignment and a check-in through a registry on PostgreSQL; then a second registry with its
    /// own data directory on the same database (a replica) sees the version, the device and its check-in.
    @Test func aRegistryOnPostgresServesAPushAndACheckin() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try await TestPostgres.freshDatabase()
        let registry = RegistryProcess(dataDirectory: dir.path + "/data")
        try registry.start(arguments: ["--metadata", database])
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/data/registry.sqlite"))
        let token = ["--registry", registry.baseURL, "--token-file", "data/admin.token"]
        #expect(try ProgramRunner.run("fleetctl", ["keys", "generate"], in: dir).status == 0)
        let register = try ProgramRunner.run("fleetctl", ["keys", "register", "publisher.pub"] + token, in: dir)
        #expect(register.status == 0, "\(register.stderr)")
        let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx").path
        let push = try ProgramRunner.run("fleetctl", ["push", model, "--model", "digits-mlp", "--version", "1.0.0"] + token, in: dir)
        #expect(push.status == 0, "\(push.stderr)")
        let assign = try ProgramRunner.run("fleetctl", ["assign", "digits-mlp", "--select", "type=camera"] + token, in: dir)
        #expect(assign.status == 0, "\(assign.stderr)")

        let device = try await RegistryClient(baseURL: registry.baseURL, token: try registry.token("enroll.token"))
            .enroll(DeviceProfile(arch: "x86_64", ramBytes: 1 << 30, diskBytes: 1 << 30, engineVersion: "1.0.0", labels: ["type": "camera"]))
        let answer = try await RegistryClient(baseURL: registry.baseURL, token: device.token).checkin(
            deviceID: device.deviceID, CheckinRequest(installed: [], state: "idle"))
        #expect(answer.desired.map(\.model) == ["digits-mlp"] && answer.desired.first?.version == SemanticVersion(major: 1, minor: 0, patch: 0))
        // Graceful shutdown writes the buffered check-in to PostgreSQL.
        kill(registry.process.processIdentifier, SIGTERM)
        registry.process.waitUntilExit()
        #expect(registry.process.terminationStatus == 0, "\(registry.errors)")

        let replica = RegistryProcess(dataDirectory: dir.path + "/replica")
        try FileManager.default.createDirectory(atPath: replica.dataDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir.path + "/data/admin.token", toPath: replica.dataDirectory + "/admin.token")
        try replica.start(arguments: ["--metadata", database])
        // The tokens are in the database: the replica makes no new ones.
        #expect(!replica.output.contains("created"), "\(replica.output)")
        let versions = try await replica.admin.send("GET", "/v1/models/digits-mlp/versions").text
        #expect(versions.contains(#""version":"1.0.0""#), "\(versions)")
        let devices = try await replica.admin.send("GET", "/v1/devices").text
        #expect(devices.contains(device.deviceID) && devices.contains(#""lastSeenAt":"#), "\(devices)")
    }

    /// A wrong password, a closed port or a malformed URL stops the start with one line on standard error and a
    /// nonzero exit, at once: no stack of retries, and never the password.
    @Test func aBadPostgresURLStopsTheStartWithOneLine() async throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try #require(URLComponents(string: try await TestPostgres.serverURL()))
        let port = try #require(server.port)
        let cases = [
            ("postgres://modelfleet:wrong-password@127.0.0.1:\(port)/postgres", "password authentication failed for user \"modelfleet\""),
            ("postgres://modelfleet:wrong-password@127.0.0.1:1/postgres", "cannot connect"),
            ("postgres://modelfleet:wrong-password@127.0.0.1:\(port)", "no database name after the host")
        ]
        for (url, reason) in cases {
            let started = ContinuousClock.now
            let run = try ProgramRunner.run(
                "modelfleet-registry", ["serve", "--data-dir", dir.path + "/data", "--bind", "127.0.0.1:0", "--metadata", url], in: dir)
            let lines = run.stderr.split(separator: "\n")
            #expect(run.status != 0, "\(url)")
            #expect(lines.count == 1 && lines.first?.contains(reason) == true, "\(url): \(run.stderr)")
            #expect(!run.stderr.contains("wrong-password") && run.stdout.isEmpty, "\(url): \(run.stdout) \(run.stderr)")
            #expect(ContinuousClock.now - started < .seconds(10), "\(url)")
        }
    }
}
