import FleetCore
import Foundation
import TestSupport
import Testing

/// The real programs with chunks in a real S3 bucket (Ceph's RADOS Gateway in CI): a push lands in
/// the bucket, an agent syncs from it byte for byte, an object corrupted in the bucket is quarantined
/// and refused, and the next push repairs it. Synchronous throughout (docs/decisions.md, "Swift 6.3 hazard").
@Suite(
    .serialized, .enabled(if: S3TestServer.isConfigured, "needs an S3 server: integration/s3/run-tests.sh starts Ceph and sets MODELFLEET_TEST_S3_*"))
struct S3ChunkStoreProcessTests {
    struct Setup {
        let directory: URL
        let bucket: String
        let registry: RegistryProcess
        let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx").path

        init() throws {
            directory = try TestPaths.scratch()
            bucket = try S3TestServer.makeBucket("e2e")
            registry = RegistryProcess(dataDirectory: directory.path + "/registry")
            try registry.start(arguments: ["--chunks", "s3://\(bucket)"], environment: S3TestServer.awsEnvironment)
        }

        func fleetctl(_ arguments: [String]) throws -> ProgramRunner.Result {
            try ProgramRunner.run("fleetctl", arguments + ["--registry", registry.baseURL, "--token-file", "registry/admin.token"], in: directory)
        }

        /// One `daemon --once` on a fresh agent data folder; true if the model went live with the pushed bytes.
        func agentSyncs(_ data: String) throws -> Bool {
            let synced = try ProgramRunner.run(
                "modelfleet-agent",
                [
                    "daemon", "--once", "--data-dir", directory.path + "/" + data, "--registry", registry.baseURL,
                    "--enroll-token", try registry.token("enroll.token"), "--trust", directory.path + "/publisher.pub", "--labels", "type=gateway"
                ])
            #expect(synced.status == 0, "\(synced.stdout)\(synced.stderr)")
            let live = try? Data(contentsOf: directory.appendingPathComponent("\(data)/models/digits-mlp/current/v1.onnx"))
            return live == (try Data(contentsOf: URL(fileURLWithPath: model)))
        }

        /// GET /v1/chunks/DIGEST as a client sees it: the status and the body.
        func chunk(_ digest: String) throws -> (status: Int, body: [UInt8]) {
            let body = directory.appendingPathComponent("chunk-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: body) }
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            curl.arguments = [
                "curl", "-sS", "-o", body.path, "-w", "%{http_code}", "-H", "Authorization: Bearer \(try registry.token("admin.token"))",
                "\(registry.baseURL)/v1/chunks/\(digest)"
            ]
            let output = Pipe()
            curl.standardOutput = output
            try curl.run()
            let status = Int(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) ?? 0
            curl.waitUntilExit()
            return (status, (try? [UInt8](Data(contentsOf: body))) ?? [])
        }
    }

    @Test func pushSyncCorruptQuarantineAndRepairThroughABucket() throws {
        let setup = try Setup()
        defer {
            setup.registry.killHard()
            try? FileManager.default.removeItem(at: setup.directory)
        }
        #expect(try setup.fleetctl(["keys", "generate"]).status == 0)
        #expect(try setup.fleetctl(["keys", "register", "publisher.pub"]).status == 0)
        let push = try setup.fleetctl(["push", setup.model, "--model", "digits-mlp", "--version", "1.0.0"])
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try setup.fleetctl(["assign", "digits-mlp", "--select", "type=gateway"]).status == 0)
        #expect(try setup.agentSyncs("agent-1"))
        // A restarted registry (or another replica) has nothing in memory: every read below goes to the bucket.
        setup.registry.killHard()
        try setup.registry.start(arguments: ["--chunks", "s3://\(setup.bucket)"], environment: S3TestServer.awsEnvironment)

        // The chunks are in the bucket, none on the registry's disk.
        #expect(setup.registry.visibleChunkFiles().isEmpty)
        let keys = try S3TestServer.keys(bucket: setup.bucket, prefix: "chunks/")
        #expect(!keys.isEmpty)
        let key = try #require(keys.first)
        let name = try #require(key.split(separator: "/").last)
        let hex = String(name.prefix(64))
        let codec = String(name.dropFirst(65))

        // Same length, one byte flipped: only the digest check can tell.
        let good = try #require(try S3TestServer.get(bucket: setup.bucket, key: key))
        var bad = good
        bad[bad.count / 2] ^= 0xFF
        try S3TestServer.put(bad, bucket: setup.bucket, key: key)
        let refused = try setup.chunk("sha256:\(hex)")
        #expect(refused.status == 503)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("corrupt_chunk"))
        #expect(try S3TestServer.get(bucket: setup.bucket, key: key) == nil)
        #expect(try S3TestServer.get(bucket: setup.bucket, key: "quarantine/\(hex).\(codec)") == bad)
        #expect(try setup.chunk("sha256:\(hex)").status == 503, "still refused on the next request")

        // The next push of a model holding the chunk is told it is missing and uploads it again.
        let repair = try setup.fleetctl(["push", setup.model, "--model", "digits-mlp", "--version", "1.0.1"])
        #expect(repair.status == 0, "\(repair.stderr)")
        #expect(try S3TestServer.get(bucket: setup.bucket, key: key) == good)
        let served = try setup.chunk("sha256:\(hex)")
        #expect(served.status == 200)
        #expect(served.body == good)
        #expect(try setup.agentSyncs("agent-2"))
    }

    @Test func badCredentialsStopTheStartWithOneLine() throws {
        let scratch = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var environment = S3TestServer.awsEnvironment
        environment["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
        let run = try ProgramRunner.run(
            "modelfleet-registry", ["--data-dir", scratch.path + "/data", "--bind", "127.0.0.1:0", "--chunks", "s3://\(try S3TestServer.makeBucket("creds"))"],
            environment: environment)
        #expect(run.status != 0)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("access denied (HTTP 403)"), "\(run.stderr)")
        #expect(!run.stderr.contains("wrong-secret"))
    }
}

/// Needs no S3 server: nothing listens at the endpoint.
@Suite struct S3EndpointRefusedProcessTests {
    @Test func aRefusedEndpointStopsTheStartWithOneLine() throws {
        let scratch = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        let environment = ["AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"]
        let started = Date()
        let run = try ProgramRunner.run(
            "modelfleet-registry", ["--data-dir", scratch.path + "/data", "--bind", "127.0.0.1:0", "--chunks", "s3://fleet-chunks"], environment: environment)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("chunk store s3://fleet-chunks: cannot connect to the S3 endpoint http://127.0.0.1:9: connection refused"), "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 10, "no retries")
    }
}
