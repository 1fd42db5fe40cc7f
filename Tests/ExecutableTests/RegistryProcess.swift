import FleetCore
import FleetHTTP
import Foundation
import TestProcesses

/// A real `modelfleet-registry` process on a free loopback port, for start-up, shutdown and crash tests.
final class RegistryProcess {
    let dataDirectory: String
    private(set) var process: SpawnedProcess
    private(set) var baseURL = ""
    private(set) var output = ""

    init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
        process = SpawnedProcess()
    }

    /// What the server logged (standard error) since its last start.
    var errors: String { (try? String(contentsOfFile: dataDirectory + ".stderr", encoding: .utf8)) ?? "" }

    /// Starts the server (with `arguments` besides the data directory, bind address and log level) and
    /// waits for its "listening on" line (http:// or https://). A later `--bind` in `arguments` wins;
    /// `environment` is added to the test process's own.
    func start(arguments: [String] = [], environment: [String: String] = [:]) throws {
        process = SpawnedProcess()
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.executableURL = ProgramRunner.binaries.appendingPathComponent("modelfleet-registry")
        process.arguments = ["--data-dir", dataDirectory, "--bind", "127.0.0.1:0", "--log-level", "warning"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        FileManager.default.createFile(atPath: dataDirectory + ".stderr", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: dataDirectory + ".stderr")
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        var collected = Data()
        while Date() < deadline {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            collected.append(chunk)
            let text = String(decoding: collected, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.contains("listening on http") }),
                let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") })
            {
                baseURL = String(url)
                output = text
                return
            }
        }
        throw CocoaError(
            .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "registry did not report listening: \(String(decoding: collected, as: UTF8.self))"])
    }

    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func token(_ file: String) throws -> String {
        try String(contentsOfFile: dataDirectory + "/" + file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var admin: RegistryClient {
        get throws { RegistryClient(baseURL: baseURL, token: try token("admin.token")) }
    }

    /// Chunk files visible in the store (outside `incoming/`, where partial uploads live).
    func visibleChunkFiles() -> [String] {
        let root = dataDirectory + "/chunks"
        return (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
            .filter { !$0.hasPrefix("incoming") && $0.split(separator: "/").count == 3 }
    }

    deinit {
        if process.isRunning { killHard() }
    }
}

/// Sends the start of an HTTP request over a raw socket and leaves it hanging, like a client on a
/// link that dropped mid-upload.
final class HalfSentRequest {
    private let socket: Int32

    init(port: UInt16, head: String, body: [UInt8]) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw CocoaError(.fileReadUnknown) }
        let bytes = Array(head.utf8) + body
        _ = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
    }

    /// True if the server closes the connection within `seconds`.
    func isClosed(within seconds: Double) -> Bool {
        var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) > 0 else { return false }
        var byte: UInt8 = 0
        return read(socket, &byte, 1) <= 0
    }

    deinit { close(socket) }
}
