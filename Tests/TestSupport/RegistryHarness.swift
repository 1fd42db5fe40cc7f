import FleetCore
public import FleetHTTP
import Foundation
import Logging
public import Registry

/// A real registry on a loopback port (port 0, so tests run in parallel), in a temporary data
/// directory, talked to over real HTTP through libcurl.
/// Hold it in a local `let`; it shuts down when released.
public final class RegistryHarness: Sendable {
    public let dataDirectory: String
    public let server: RegistryServer
    public let baseURL: String
    public let adminToken: String
    public let enrollToken: String
    private let task: Task<Void, any Error>

    public static func start(_ configure: (inout RegistryConfiguration) -> Void = { _ in }) async throws -> RegistryHarness {
        try await start(server: try server(configure, identifiers: .random))
    }

    /// A registry whose device and rollout ids come from `idSeed`: the same ids, so the same cohorts, on every run.
    public static func start(idSeed: UInt64) async throws -> RegistryHarness {
        try await start(server: try server({ _ in }, identifiers: .seeded(idSeed)))
    }

    /// Synchronous on purpose: keeps the async `start` frames small (the Swift 6.3 hazard in docs/decisions.md).
    private static func server(_ configure: (inout RegistryConfiguration) -> Void, identifiers: Identifiers) throws -> RegistryServer {
        var configuration = RegistryConfiguration()
        configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString)").path
        configuration.bind = "127.0.0.1:0"
        configure(&configuration)
        return try RegistryServer(configuration: configuration, identifiers: identifiers)
    }

    private static func start(server: RegistryServer) async throws -> RegistryHarness {
        try await server.createInitialTokens()
        var logger = Logger(label: "test-registry")
        logger.logLevel = .warning
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try server.application(logger: logger, security: try ListenerSecurity(server.configuration)) { port in continuation.yield(port) }
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return RegistryHarness(server: server, port: port, task: task)
    }

    private init(server: RegistryServer, port: Int, task: Task<Void, any Error>) {
        self.server = server
        dataDirectory = server.configuration.dataDirectory
        baseURL = "http://127.0.0.1:\(port)"
        self.task = task
        func token(_ file: String) -> String {
            ((try? String(contentsOfFile: server.configuration.dataDirectory + "/" + file, encoding: .utf8)) ?? "").trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        adminToken = token("admin.token")
        enrollToken = token("enroll.token")
    }

    /// Tests hold a harness in a local: when the test ends, passing or failing, the server task is
    /// cancelled and the data directory removed. (A closure-scoped `withRegistry { … }` helper tripped
    /// the Swift 6.3 task-allocator abort described in docs/decisions.md.)
    deinit {
        task.cancel()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    public var admin: RegistryClient { RegistryClient(baseURL: baseURL, token: adminToken) }

    public func client(token: String) -> RegistryClient { RegistryClient(baseURL: baseURL, token: token) }

    /// A raw request, for checking statuses and error bodies the typed client would turn into throws.
    public func raw(_ method: String, _ path: String, token: String?, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) async throws
        -> HTTPResponse
    {
        let auth = token.map { [(name: "Authorization", value: "Bearer \($0)")] } ?? []
        return try await HTTPClient().send(HTTPRequest(method: method, url: baseURL + path, headers: auth + headers, body: body))
    }

    /// Files currently stored as chunks (what a crash or a rejected upload must not leave behind).
    public func storedChunkFiles() -> [String] {
        let root = dataDirectory + "/chunks"
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.filter { !$0.hasPrefix("incoming") && $0.split(separator: "/").count == 3 }
    }
}
