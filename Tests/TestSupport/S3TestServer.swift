import Foundation
public import Registry
import TestCorpus

/// The real S3 server the S3 tests run against: Ceph's RADOS Gateway (`s3-ceph.sh`), never a mock.
///
/// `shared` is found or started once per test process:
/// 1. `MODELFLEET_TEST_S3_ENDPOINT` (with `_ACCESS_KEY`, `_SECRET_KEY`, `_REGION`) names a running
///    server: `.ci/run` starts one before the tests and exports these;
/// 2. otherwise the script `MODELFLEET_TEST_S3_CEPH` names (an `s3-ceph.sh`: start DIR PORT, printing
///    `S3_ENDPOINT=` and the keys) is started in a data folder of its own under /var/tmp (about 20 s the
///    first time, 5 s once the folder exists) and stopped when the test process exits;
/// 3. otherwise the S3 tests are skipped or cancelled, saying so (`unavailableReason`), unless
///    `MODELFLEET_TEST_S3_REQUIRED` is set (CI): then they fail with that reason.
///
/// Dedicated variable names, not `AWS_*`: a developer's real AWS credentials must never make the tests
/// create buckets in their account. `startPrivate` starts a second server that one test may stop and
/// start (an S3 outage) without disturbing the tests that share the first.
public struct S3TestServer: Sendable {
    public let endpoint: String
    public let accessKey: String
    public let secretKey: String
    public let region: String
    /// The Ceph data folder, for a server these tests started (nil for one named by the environment).
    let dataDirectory: String?
    let port: Int

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Why no S3 server can be had here, or nil when one can (or when CI requires one, so that its
    /// absence fails the tests instead of skipping them).
    public static var unavailableReason: String? {
        if environment["MODELFLEET_TEST_S3_ENDPOINT"].map({ !$0.isEmpty }) ?? false { return nil }
        if cephScript != nil || isRequired { return nil }
        return "no S3 server: set MODELFLEET_TEST_S3_ENDPOINT (and _ACCESS_KEY, _SECRET_KEY) to a running one, or MODELFLEET_TEST_S3_CEPH to an s3-ceph.sh"
    }

    static var isRequired: Bool { environment["MODELFLEET_TEST_S3_REQUIRED"].map { !$0.isEmpty && $0 != "0" } ?? false }

    /// The server every S3 test shares (each test uses buckets of its own).
    public static var shared: S3TestServer {
        get throws { try sharedServer.get() }
    }

    private static let sharedServer: Result<S3TestServer, Failure> = {
        let variables = environment
        if let endpoint = variables["MODELFLEET_TEST_S3_ENDPOINT"], !endpoint.isEmpty {
            return .success(
                S3TestServer(
                    endpoint: endpoint, accessKey: variables["MODELFLEET_TEST_S3_ACCESS_KEY"] ?? "",
                    secretKey: variables["MODELFLEET_TEST_S3_SECRET_KEY"] ?? "", region: variables["MODELFLEET_TEST_S3_REGION"] ?? "us-east-1",
                    dataDirectory: nil, port: 0))
        }
        return Result { try start(purpose: "shared") }.mapError { $0 as? Failure ?? Failure(description: "\($0)") }
    }()

    /// A server of its own (its own Ceph cluster), for a test that stops it.
    public static func startPrivate(_ purpose: String) throws -> S3TestServer {
        try start(purpose: purpose)
    }

    /// Stops this server's daemons (an S3 outage); `start()` brings it back on the same port and data.
    public func stop() throws {
        guard let dataDirectory else { throw Failure(description: "the S3 server at \(endpoint) was not started by the tests") }
        _ = try Self.runCeph(["stop", dataDirectory])
    }

    /// Kills the gateway (radosgw) with SIGKILL, as a crash would: S3 stops answering at once, unlike
    /// `stop()`, whose SIGTERM lets the gateway finish what it is serving for up to 5 s. `start()`
    /// brings it back. The pid file is where s3-ceph.sh's ceph.conf puts it (`DATA/run/$name.pid`).
    public func killGateway() throws {
        guard let dataDirectory else { throw Failure(description: "the S3 server at \(endpoint) was not started by the tests") }
        let pidFile = dataDirectory + "/run/client.rgw.gw.pid"
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            kill(pid, SIGKILL) == 0
        else { throw Failure(description: "cannot kill the gateway named by \(pidFile)") }
        while kill(pid, 0) == 0 { usleep(10_000) }
    }

    /// Starts this server's daemons again after `stop()` or `killGateway()` (a few seconds: the data folder exists).
    public func start() throws {
        guard let dataDirectory else { throw Failure(description: "the S3 server at \(endpoint) was not started by the tests") }
        _ = try Self.runCeph(["start", dataDirectory, String(port)])
    }

    /// Settings that reach this server.
    public var settings: S3Settings {
        var settings = S3Settings()
        settings.endpointURL = endpoint
        settings.accessKeyID = accessKey
        settings.secretAccessKey = secretKey
        settings.region = region
        return settings
    }

    /// The `AWS_*` variables for a registry process on this server.
    public var awsEnvironment: [String: String] {
        ["AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_REGION": region]
    }
}

extension S3TestServer {
    /// The script that starts a Ceph RGW, named by `MODELFLEET_TEST_S3_CEPH` (`.ci/run` sets it), if executable.
    static var cephScript: String? {
        guard let path = environment["MODELFLEET_TEST_S3_CEPH"], !path.isEmpty else { return nil }
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Starts (or finds running) the cluster for `purpose` in a data folder named after this clone, so
    /// two clones on one machine do not share one and a later run reuses it (5 s instead of 20 s).
    /// BlueStore needs a real file system (O_DIRECT), hence /var/tmp rather than a tmpfs /tmp.
    static func start(purpose: String) throws -> S3TestServer {
        guard cephScript != nil else {
            throw Failure(description: unavailableReason ?? "MODELFLEET_TEST_S3_CEPH names no executable s3-ceph.sh")
        }
        let clone = TestCorpus.repositoryRoot.path.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        let directory = "/var/tmp/modelfleet-test-s3-\(String(clone, radix: 16))/\(purpose)"
        let port = try LoopbackPort.unused()
        StartedServers.remember(directory)
        let printed = try runCeph(["start", directory, String(port)])
        func value(_ name: String) -> String? {
            printed.split(separator: "\n").last { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        guard let endpoint = value("S3_ENDPOINT"), let accessKey = value("S3_ACCESS_KEY"), let secretKey = value("S3_SECRET_KEY") else {
            throw Failure(description: "s3-ceph.sh start printed no S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY: \(printed)")
        }
        return S3TestServer(
            endpoint: endpoint, accessKey: accessKey, secretKey: secretKey, region: value("S3_REGION") ?? "us-east-1", dataDirectory: directory, port: port)
    }

    /// Runs s3-ceph.sh; its standard output, or its standard error in the failure. Both go to files,
    /// not pipes: the daemons it starts inherit them and would hold a pipe open after the script exits.
    /// `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose `waitUntilExit` was seen
    /// never to return here (the script a zombie) when called while other tests waited on `shared`.
    static func runCeph(_ arguments: [String]) throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("s3-ceph-\(UUID().uuidString)").path
        let (outputPath, errorPath) = (base + ".out", base + ".err")
        defer { for path in [outputPath, errorPath] { try? FileManager.default.removeItem(atPath: path) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard let script = cephScript else { throw Failure(description: "MODELFLEET_TEST_S3_CEPH names no executable s3-ceph.sh") }
        let argv = ([script] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, script, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "cannot run \(script): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let printed = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS are macros Swift cannot call: exited normally with 0 is a status of 0.
        guard status == 0 else {
            let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw Failure(description: "s3-ceph.sh \(arguments.joined(separator: " ")) failed (wait status \(status)): \(stderr)")
        }
        return printed
    }
}

/// The Ceph data folders this process started, stopped when it exits (their data is kept for the
/// next run). A process killed before `exit` leaves the daemons running; the next start reuses them.
enum StartedServers {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var directories: [String] = []
    private static let registerOnce: Void = { atexit { StartedServers.stopAll() } }()

    static func remember(_ directory: String) {
        _ = registerOnce
        lock.withLock { if !directories.contains(directory) { directories.append(directory) } }
    }

    /// Runs at exit, where Foundation's Process may already be unusable: plain `system(3)`. The stop
    /// runs detached (a cluster that served a killed gateway was seen to take 70 s to stop), so the
    /// test process ends at once; its output goes nowhere, so it holds no pipe of `swift test` open.
    private static func stopAll() {
        guard let script = S3TestServer.cephScript else { return }
        for directory in lock.withLock({ directories }) {
            _ = system("('\(script)' stop '\(directory)' </dev/null >/dev/null 2>&1 &)")
        }
    }
}
