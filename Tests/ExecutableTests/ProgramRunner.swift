import Foundation
import TestCorpus
import TestProcesses

/// Runs one of the package's built programs and captures what a user would see.
struct ProgramRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The build folder holding both the test bundle and the executables.
    static var binaries: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = exe.deletingLastPathComponent()
        // On Linux the test runner is `<build>/ModelFleetPackageTests.xctest`; on macOS it sits deeper in a bundle.
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("fleetctl").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder
    }

    /// `environment` is added to the test process's own.
    static func run(_ program: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = SpawnedProcess()
        process.executableURL = binaries.appendingPathComponent(program)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

enum TestPaths {
    static var corpus: URL { TestCorpus.root }

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("modelfleet-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
