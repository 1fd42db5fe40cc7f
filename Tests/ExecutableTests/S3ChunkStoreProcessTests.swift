import FleetCore
import Foundation
import TestSupport
import Testing

/// The real programs with chunks in a real S3 bucket (Ceph's RADOS Gateway): a push lands in the
/// bucket, an agent syncs from it byte for byte, an object corrupted in the bucket is quarantined and
/// refused, and the next push repairs it; bad credentials stop the start with one line.
/// Synchronous throughout (docs/decisions.md, "Swift 6.3 hazard").
@Suite(
    .serialized,
    .enabled(
        if: S3TestServer.unavailableReason == nil,
        "S3 chunk store NOT TESTED: no S3 server (neither MODELFLEET_TEST_S3_ENDPOINT nor MODELFLEET_TEST_S3_CEPH is set; see S3TestServer)"))
struct S3ChunkStoreProcessTests {
    static let model = TestPaths.corpus.appendingPathComponent("models/digits-mlp/v1.onnx").path

    /// One `daemon --once` on a fresh agent data folder: what it printed, and whether the model went
    /// live with exactly the pushed bytes.
    static func agentSync(_ setup: S3Registry, _ data: String) throws -> (run: ProgramRunner.Result, live: Bool) {
        let synced = try ProgramRunner.run(
            "modelfleet-agent",
            [
                "daemon", "--once", "--data-dir", setup.directory.path + "/" + data, "--registry", setup.registry.baseURL,
                "--enroll-token", try setup.registry.token("enroll.token"), "--trust", setup.directory.path + "/publisher.pub", "--labels",
                "type=gateway"
            ])
        let live = try? Data(contentsOf: setup.directory.appendingPathComponent("\(data)/models/digits-mlp/current/v1.onnx"))
        return (synced, live == (try Data(contentsOf: URL(fileURLWithPath: model))))
    }

    static func agentSyncs(_ setup: S3Registry, _ data: String) throws -> Bool {
        let (run, live) = try agentSync(setup, data)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        return live
    }

    /// The first stored chunk in the bucket: its key and its digest's hex.
    static func firstChunk(_ setup: S3Registry) throws -> (key: String, hex: String, codec: String) {
        let key = try #require(try setup.server.keys(bucket: setup.bucket, prefix: "chunks/").first)
        let name = try #require(key.split(separator: "/").last)
        return (key, String(name.prefix(64)), String(name.dropFirst(65)))
    }

    @Test func pushSyncCorruptQuarantineAndRepairThroughABucket() throws {
        let setup = try S3Registry(server: try S3TestServer.shared)
        let server = setup.server
        let push = try setup.fleetctl(["push", Self.model, "--model", "digits-mlp", "--version", "1.0.0"])
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try setup.fleetctl(["assign", "digits-mlp", "--select", "type=gateway"]).status == 0)
        #expect(try Self.agentSyncs(setup, "agent-1"))
        // A restarted registry (or another replica) has nothing in memory: every read below goes to the bucket.
        setup.registry.killHard()
        try setup.start()

        // The chunks are in the bucket, none on the registry's disk.
        #expect(setup.registry.visibleChunkFiles().isEmpty)
        let (key, hex, codec) = try Self.firstChunk(setup)

        // Same length, one byte flipped: only the digest check can tell.
        let good = try #require(try server.get(bucket: setup.bucket, key: key))
        var bad = good
        bad[bad.count / 2] ^= 0xFF
        try server.put(bad, bucket: setup.bucket, key: key)
        let refused = try setup.chunk("sha256:\(hex)")
        #expect(refused.status == 503)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("corrupt_chunk"))
        #expect(try server.get(bucket: setup.bucket, key: key) == nil)
        #expect(try server.get(bucket: setup.bucket, key: "quarantine/\(hex).\(codec)") == bad)
        #expect(try setup.chunk("sha256:\(hex)").status == 503, "still refused on the next request")

        // The next push of a model holding the chunk is told it is missing and uploads it again.
        let repair = try setup.fleetctl(["push", Self.model, "--model", "digits-mlp", "--version", "1.0.1"])
        #expect(repair.status == 0, "\(repair.stderr)")
        #expect(try server.get(bucket: setup.bucket, key: key) == good)
        let served = try setup.chunk("sha256:\(hex)")
        #expect(served.status == 200)
        #expect(served.body == good)
        #expect(try Self.agentSyncs(setup, "agent-2"))
    }

    /// `storage.chunk_downloads: redirect`: the registry answers a chunk GET with a presigned URL of the
    /// bucket, the agent follows it (without its registry token, which S3 would refuse) and still
    /// verifies every byte: an object corrupted in the bucket never goes live.
    @Test func redirectedDownloadsComeFromTheBucketAndAreStillVerified() throws {
        let setup = try S3Registry(server: try S3TestServer.shared, environment: ["MODELFLEET_STORAGE_CHUNK_DOWNLOADS": "redirect"])
        let server = setup.server
        #expect(try setup.fleetctl(["push", Self.model, "--model", "digits-mlp", "--version", "1.0.0"]).status == 0)
        #expect(try setup.fleetctl(["assign", "digits-mlp", "--select", "type=gateway"]).status == 0)
        let (key, hex, _) = try Self.firstChunk(setup)

        let answer = try setup.chunk("sha256:\(hex)")
        #expect(answer.status == 302)
        #expect(answer.body.isEmpty)
        #expect(answer.location.hasPrefix("\(server.endpoint)/\(setup.bucket)/\(key.replacingOccurrences(of: "+", with: "%2B"))?"), "\(answer.location)")
        #expect(answer.location.contains("X-Amz-Expires=300&"), "\(answer.location)")
        let fetched = try CurlAnswer.get(answer.location)
        #expect(fetched.status == 200, "a presigned URL needs no other credential: \(String(decoding: fetched.body, as: UTF8.self))")
        #expect(fetched.body == (try server.get(bucket: setup.bucket, key: key)))

        #expect(try Self.agentSyncs(setup, "agent-1"), "the agent follows the redirect")

        let good = try #require(try server.get(bucket: setup.bucket, key: key))
        var bad = good
        bad[bad.count / 2] ^= 0xFF
        try server.put(bad, bucket: setup.bucket, key: key)
        let (run, live) = try Self.agentSync(setup, "agent-2")
        #expect(!live, "bytes that do not match their digest never go live")
        #expect("\(run.stdout)\(run.stderr)".contains(hex), "the failure names the chunk: \(run.stdout)\(run.stderr)")
    }

    @Test func badCredentialsStopTheStartWithOneLine() throws {
        let server = try S3TestServer.shared
        let scratch = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var environment = server.awsEnvironment
        environment["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
        let run = try ProgramRunner.run(
            "modelfleet-registry", ["--data-dir", scratch.path + "/data", "--bind", "127.0.0.1:0", "--chunks", "s3://\(try server.makeBucket("creds"))"],
            environment: environment)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("access denied (HTTP 403)"), "\(run.stderr)")
        #expect(!run.stderr.contains("wrong-secret"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/data/admin.token"), "nothing is set up before the check")
    }

    @Test func aMissingBucketStopsTheStartWithOneLine() throws {
        let server = try S3TestServer.shared
        let scratch = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try ProgramRunner.run(
            "modelfleet-registry", ["--data-dir", scratch.path + "/data", "--bind", "127.0.0.1:0", "--chunks", "s3://no-such-bucket-here"],
            environment: server.awsEnvironment)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("chunk store s3://no-such-bucket-here at \(server.endpoint): the bucket does not exist"), "\(run.stderr)")
    }
}

/// Needs no S3 server: nothing listens at the endpoint.
@Suite struct S3EndpointRefusedProcessTests {
    @Test func aRefusedEndpointStopsTheStartWithOneLine() throws {
        let scratch = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let port = try LoopbackPort.unused()
        let environment = ["AWS_ENDPOINT_URL": "http://127.0.0.1:\(port)", "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"]
        let started = Date()
        let run = try ProgramRunner.run(
            "modelfleet-registry", ["--data-dir", scratch.path + "/data", "--bind", "127.0.0.1:0", "--chunks", "s3://fleet-chunks"], environment: environment)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(
            run.stderr.contains("chunk store s3://fleet-chunks: cannot connect to the S3 endpoint http://127.0.0.1:\(port): connection refused"),
            "\(run.stderr)")
        // Refused on loopback is immediate; the bound is loose for a loaded machine and only catches a retry loop.
        #expect(Date().timeIntervalSince(started) < 10, "no retries")
    }

    @Test func aMalformedEndpointStopsTheStartWithOneLine() throws {
        let scratch = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let environment = ["AWS_ENDPOINT_URL": "127.0.0.1:7480/bucket", "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"]
        let run = try ProgramRunner.run(
            "modelfleet-registry", ["--data-dir", scratch.path + "/data", "--bind", "127.0.0.1:0", "--chunks", "s3://fleet-chunks"], environment: environment)
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("S3 endpoint '127.0.0.1:7480/bucket' has no http:// or https:// scheme"), "\(run.stderr)")
    }
}
