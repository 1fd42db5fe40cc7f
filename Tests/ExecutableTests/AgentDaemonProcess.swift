import Foundation
import TestProcesses

/// A real `modelfleet-agent daemon` process with its own data directory and a fresh trusted key,
/// pointed at whatever registry URL a test gives (often one that is down: the local API serves
/// anyway). Killed when the test is done with it.
final class AgentDaemonProcess {
    let directory: URL
    let process = SpawnedProcess()
    let log: URL

    /// Starts `daemon` with `arguments` added to the data directory, trust and `--registry` flags.
    init(registry: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        directory = try Self.scratchWithKey()
        log = directory.appendingPathComponent("agent.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = ProgramRunner.binaries.appendingPathComponent("modelfleet-agent")
        process.arguments =
            [
                "daemon", "--data-dir", directory.path + "/agent", "--registry", registry,
                "--trust", directory.path + "/publisher.pub", "--listen", "127.0.0.1:0", "--checkin-interval", "3600"
            ] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
    }

    /// A fresh scratch directory holding `publisher.pub`, the key an agent there trusts.
    static func scratchWithKey() throws -> URL {
        let directory = try TestPaths.scratch()
        let keys = try ProgramRunner.run("fleetctl", ["keys", "generate"], in: directory)
        guard keys.status == 0 else { throw Failure(message: "fleetctl keys generate: \(keys.stderr)") }
        return directory
    }

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The local API's base URL, read from the agent's log line "local API on http://…".
    func localAPI(seconds: Int = 60) throws -> String {
        let content = ServingProcessTests.wait(for: "local API on http://", in: log, seconds: seconds)
        guard let line = content.split(separator: "\n").first(where: { $0.contains("local API on http://") }),
            let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") })
        else { throw Failure(message: "the agent never said where its local API is: \(content)") }
        return String(url)
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
