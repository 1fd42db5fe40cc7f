import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One real PostgreSQL server for the whole test run, and a fresh database on it for each test (so tests run
/// in parallel without seeing each other's rows).
///
/// `MODELFLEET_TEST_POSTGRES_URL` (a superuser URL, as `.ci/run` sets it) names a running server. Without it
/// the first test that asks starts one with `integration/postgres/start.sh` in a temporary folder and stops it
/// when the test process exits. When neither works, every test that needs it fails with the script's own
/// output: a store suite that silently skipped PostgreSQL would prove nothing about it.
public enum TestPostgres {
    public static let environmentVariable = "MODELFLEET_TEST_POSTGRES_URL"

    /// The server's superuser URL (database `postgres`).
    public static func serverURL() async throws -> String {
        try await Server.shared.url()
    }

    /// The URL of a new, empty database, named `t_<random>`.
    public static func freshDatabase() async throws -> String {
        let admin = try await serverURL()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await execute("CREATE DATABASE \(name)", on: admin)
        return try replacingDatabase(of: admin, with: name)
    }

    /// Runs one SQL statement as the server's superuser in the database of `url`.
    public static func execute(_ sql: String, on url: String) async throws {
        let connection = try await PostgresConnection.connect(configuration: try configuration(url), id: 1, logger: logger)
        let result = await attempt { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect() }
        try? await connection.close()
        _ = try result.get()
    }

    static let logger = Logger(label: "test-postgres")

    static func configuration(_ url: String) throws -> PostgresConnection.Configuration {
        guard let parts = URLComponents(string: url), let host = parts.host, let user = parts.user else {
            throw TestPostgresFailure(description: "not a postgres:// URL: \(url)")
        }
        return PostgresConnection.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password, database: String(parts.path.dropFirst()), tls: .disable)
    }

    static func replacingDatabase(of url: String, with database: String) throws -> String {
        guard var parts = URLComponents(string: url) else { throw TestPostgresFailure(description: "not a postgres:// URL: \(url)") }
        parts.path = "/" + database
        guard let changed = parts.string else { throw TestPostgresFailure(description: "cannot name database \(database) in \(url)") }
        return changed
    }
}

public struct TestPostgresFailure: Error, CustomStringConvertible {
    public var description: String
}

func attempt<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

/// Starts the server once per process (or takes the environment's), and stops what it started at exit.
actor Server {
    static let shared = Server()
    private var started: Task<String, any Error>?

    func url() async throws -> String {
        if let started { return try await started.value }
        let task = Task { try Self.start() }
        started = task
        return try await task.value
    }

    /// The folder of a server this process started, for the exit hook.
    static let startedFolder = Mutex<String?>(nil)

    private static func start() throws -> String {
        if let url = ProcessInfo.processInfo.environment[TestPostgres.environmentVariable], !url.isEmpty { return url }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("modelfleet-test-postgres-\(UUID().uuidString)").path
        let port = try freePort()
        let (status, printed) = try Script.run("start.sh", [folder, String(port)])
        startedFolder.withLock { $0 = folder }
        atexit {
            guard let folder = Server.startedFolder.withLock({ $0 }) else { return }
            _ = try? Script.run("stop.sh", [folder, "--remove"])
        }
        guard status == 0, let line = printed.split(separator: "\n").first(where: { $0.hasPrefix("POSTGRES_URL=") }) else {
            throw TestPostgresFailure(
                description: "PostgreSQL for the store tests did not start (integration/postgres/start.sh \(folder) \(port), exit \(status)): \(printed)"
                    + " — install it (scripts/setup-debian.sh) or set \(TestPostgres.environmentVariable)")
        }
        return String(line.dropFirst("POSTGRES_URL=".count))
    }

    /// A port the kernel just handed out and released: free unless another process takes it in between.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestPostgresFailure(description: "cannot find a free port for PostgreSQL") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs one of `integration/postgres/`'s scripts with posix_spawn and waitpid. Foundation's `Process` was not
/// used: in the test process its `waitUntilExit` never saw the script end (the child stayed a zombie), and
/// `atexit` needs something that cannot hang.
enum Script {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("integration/postgres").path

    /// Exit status, and standard output and error together.
    static func run(_ name: String, _ arguments: [String]) throws -> (Int32, String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("postgres-script-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ["/bin/bash", folder + "/" + name] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw TestPostgresFailure(description: "cannot run \(name): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        // Exited normally: the exit code; killed by a signal: 128 + the signal, as a shell reports it.
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, printed)
    }
}

/// A PostgreSQL server of a test's own (its own folder and port), for tests that stop and restart it.
public final class PrivateServer: Sendable {
    public let folder: String
    public let port: Int
    /// Superuser URL of its `postgres` database.
    public let url: String

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("modelfleet-private-postgres-\(UUID().uuidString)").path
        port = try Server.freePort()
        let (status, printed) = try Script.run("start.sh", [folder, String(port)])
        guard status == 0, let line = printed.split(separator: "\n").first(where: { $0.hasPrefix("POSTGRES_URL=") }) else {
            throw TestPostgresFailure(description: "a private PostgreSQL did not start (exit \(status)): \(printed)")
        }
        url = String(line.dropFirst("POSTGRES_URL=".count))
    }

    public func stop() throws {
        let (status, printed) = try Script.run("stop.sh", [folder])
        guard status == 0 else { throw TestPostgresFailure(description: "stop.sh failed (exit \(status)): \(printed)") }
    }

    /// Starts it again on the same folder, port and password.
    public func start() throws {
        let (status, printed) = try Script.run("start.sh", [folder, String(port)])
        guard status == 0 else { throw TestPostgresFailure(description: "start.sh failed (exit \(status)): \(printed)") }
    }

    deinit { _ = try? Script.run("stop.sh", [folder, "--remove"]) }
}
