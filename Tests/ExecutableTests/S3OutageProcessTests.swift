import Foundation
import TestProcesses
import TestSupport
import Testing

/// S3 gone in the middle of a push (its gateway killed, issue #16): the push fails with the registry's 503, no version
/// is committed, and every chunk the registry recorded is in the bucket (a scrub of the bucket finds
/// nothing missing). Once S3 is back, the same push succeeds without restarting the registry.
///
/// Runs on a Ceph cluster of its own (`S3TestServer.startPrivate`, ~20 s), since it stops S3 under
/// the registry and other tests share the first cluster.
@Suite(
    .enabled(
        if: S3TestServer.unavailableReason == nil,
        "S3 outage NOT TESTED: no S3 server (neither MODELFLEET_TEST_S3_ENDPOINT nor MODELFLEET_TEST_S3_CEPH is set; see S3TestServer)"))
struct S3OutageProcessTests {
    /// 10 MB; zstd 19 makes the push take seconds, long enough to stop S3 part-way.
    static let model = TestPaths.corpus.appendingPathComponent("models/rapidocr-onnxruntime-1.2.13/ch_PP-OCRv3_rec_infer.onnx").path

    @Test func s3StoppedMidPushFailsThePushAndCommitsNothing() throws {
        let server = try S3TestServer.startPrivate("outage")
        let setup = try S3Registry(server: server)
        let push = SpawnedProcess()
        push.executableURL = ProgramRunner.binaries.appendingPathComponent("fleetctl")
        push.arguments = [
            "push", Self.model, "--model", "ocr-rec", "--version", "3.0.0", "--codec", "zstd:19", "--registry", setup.registry.baseURL,
            "--token-file", "registry/admin.token"
        ]
        push.currentDirectoryURL = setup.directory
        let errors = setup.directory.appendingPathComponent("push.stderr")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        push.standardOutput = FileHandle.nullDevice
        push.standardError = try FileHandle(forWritingTo: errors)
        try push.run()

        // Some chunks are in the bucket, the push is still going: S3 dies under it.
        var stored = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while stored < 3, push.isRunning, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            stored = try server.keys(bucket: setup.bucket, prefix: "chunks/").count
        }
        try #require(push.isRunning && stored >= 3, "the push ended (or stored nothing) before S3 could be stopped: \(stored) chunks")
        try server.killGateway()

        push.waitUntilExit()
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        #expect(push.terminationStatus != 0, "the push must fail while S3 is down")
        #expect(stderr.contains("503 chunk_store_unreachable"), "\(stderr)")
        #expect(stderr.contains("chunk store"), "the failure names the chunk store: \(stderr)")
        let models = try setup.fleetctl(["models", "ls"])
        #expect(models.status == 0, "\(models.stderr)")
        #expect(!models.stdout.contains("ocr-rec"), "no version is committed: \(models.stdout)")

        // S3 back, the registry untouched: the same push now completes (uploading what is missing).
        try server.start()
        let again = try setup.fleetctl(["push", Self.model, "--model", "ocr-rec", "--version", "3.0.0"])
        #expect(again.status == 0, "\(again.stderr)")

        // Every chunk the registry recorded, during the outage or after, is in the bucket and intact.
        setup.registry.killHard()
        let scrub = try setup.scrub()
        #expect(scrub.status == 0, "\(scrub.stdout)\(scrub.stderr)")
        #expect(scrub.stdout.contains("0 missing"), "\(scrub.stdout)")
    }
}
