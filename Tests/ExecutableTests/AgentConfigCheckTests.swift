import FleetCore
import Foundation
import Testing

/// `modelfleet-agent config check FILE`: the settings a file gives, or its first problem by line.
@Suite struct AgentConfigCheckTests {
    @Test func printsTheSettingsOrTheProblemWithItsLine() throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = PublisherPrivateKey.generate().publicKey
        try key.pem.write(to: dir.appendingPathComponent("root.pub"), atomically: true, encoding: .utf8)
        let good = dir.appendingPathComponent("agent.yaml")
        try """
        registry: https://registry.example:8443
        trust_root: \(dir.path)/root.pub
        checkin_interval_seconds: 45
        download_windows:
          - 01:00-05:00
        labels:
          site: eu
        """.write(to: good, atomically: true, encoding: .utf8)
        let checked = try ProgramRunner.run("modelfleet-agent", ["config", "check", good.path])
        #expect(checked.status == 0, "\(checked.stderr)")
        for line in [
            "trust_root                         \(key.keyID)", "checkin_interval_seconds           45",
            "download_windows                   01:00-05:00", "labels                             site=eu", "stall_timeout_seconds              30"
        ] {
            #expect(checked.stdout.contains(line), "\(line) in \(checked.stdout)")
        }

        let bad = dir.appendingPathComponent("bad.yaml")
        try "registry: http://127.0.0.1:8080\ntrust_root: \(dir.path)/root.pub\ndownload_windows: [\"01:00-05:00\"]\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let refused = try ProgramRunner.run("modelfleet-agent", ["config", "check", bad.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("\(bad.path):3: 'download_windows' is a list"), "\(refused.stderr)")
    }
}
