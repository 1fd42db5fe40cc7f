import Foundation
import InferenceEngine
import TestProcesses
import Testing

/// `--version` on the three programs: the release, the commit they were built from, the engine's version.
@Suite struct VersionFlagTests {
    /// The checkout these tests were built from (this file is in Tests/ExecutableTests/).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["fleetctl", "modelfleet-registry", "modelfleet-agent"])
    func versionNamesReleaseCommitAndEngine(program: String) throws {
        let answer = try ProgramRunner.run(program, ["--version"])
        #expect(answer.status == 0, "\(answer.stderr)")
        let line = answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.hasPrefix("\(program) 0.1.0 (commit "), "\(line)")
        // fleetctl and the registry do not link the engine: their copy of its version must still be the engine's.
        #expect(line.hasSuffix(", engine \(EngineInfo.version))"), "\(line)")
        let git = SpawnedProcess()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", Self.repository.path, "rev-parse", "--short=12", "HEAD"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        try git.run()
        git.waitUntilExit()
        let head = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if git.terminationStatus == 0 {
            #expect(line.contains("(commit \(head)"), "built from \(head): \(line)")
        } else {
            #expect(line.contains("(commit unknown"), "no git checkout: \(line)")
        }
    }
}
