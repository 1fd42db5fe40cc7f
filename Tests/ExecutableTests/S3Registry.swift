import Foundation
import TestProcesses
import TestSupport

/// A real `modelfleet-registry` with `--chunks s3://BUCKET` on a real S3 server, a publisher key
/// registered with it, and the commands the S3 process tests run against it.
final class S3Registry {
    let directory: URL
    let server: S3TestServer
    let bucket: String
    let registry: RegistryProcess
    /// The registry's environment: the server's `AWS_*` and any `MODELFLEET_*` a test adds.
    let environment: [String: String]

    init(server: S3TestServer, environment extra: [String: String] = [:]) throws {
        self.server = server
        environment = server.awsEnvironment.merging(extra) { $1 }
        directory = try TestPaths.scratch()
        bucket = try server.makeBucket("e2e")
        registry = RegistryProcess(dataDirectory: directory.path + "/registry")
        try start()
        let keys = try ProgramRunner.run("fleetctl", ["keys", "generate"], in: directory)
        guard keys.status == 0 else { throw S3TestServer.Failure(description: "fleetctl keys generate: \(keys.stderr)") }
        let register = try fleetctl(["keys", "register", "publisher.pub"])
        guard register.status == 0 else { throw S3TestServer.Failure(description: "fleetctl keys register: \(register.stderr)") }
    }

    var arguments: [String] { ["--chunks", "s3://\(bucket)"] }

    /// Starts (or restarts) the registry on the bucket; a restarted registry has nothing in memory.
    func start() throws {
        try registry.start(arguments: arguments, environment: environment)
    }

    func fleetctl(_ arguments: [String]) throws -> ProgramRunner.Result {
        try ProgramRunner.run("fleetctl", arguments + ["--registry", registry.baseURL, "--token-file", "registry/admin.token"], in: directory)
    }

    /// `modelfleet-registry scrub` on the stopped registry's data: exit 0 means every recorded chunk is
    /// in the bucket and matches its digest.
    func scrub() throws -> ProgramRunner.Result {
        try ProgramRunner.run(
            "modelfleet-registry", ["scrub", "--data-dir", registry.dataDirectory] + arguments, in: directory, environment: server.awsEnvironment)
    }

    /// GET /v1/chunks/DIGEST as a client sees it (redirects not followed).
    func chunk(_ digest: String) throws -> CurlAnswer {
        try CurlAnswer.get("\(registry.baseURL)/v1/chunks/\(digest)", headers: ["Authorization: Bearer \(try registry.token("admin.token"))"])
    }

    /// The registry process is killed by its own deinit (if still running).
    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// One GET by curl, redirects not followed: the status, the body and the `Location` of a redirect.
struct CurlAnswer {
    var status: Int
    var body: [UInt8]
    var location: String

    static func get(_ url: String, headers: [String] = []) throws -> CurlAnswer {
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: body) }
        let curl = SpawnedProcess()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["curl", "-sS", "-o", body.path, "-w", "%{http_code} %{redirect_url}"] + headers.flatMap { ["-H", $0] } + [url]
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        let written = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ", maxSplits: 1)
        curl.waitUntilExit()
        return CurlAnswer(
            status: written.first.flatMap { Int($0) } ?? 0, body: (try? [UInt8](Data(contentsOf: body))) ?? [],
            location: written.count > 1 ? String(written[1]) : "")
    }
}
