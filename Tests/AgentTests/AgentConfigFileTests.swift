import Agent
import Foundation
import Testing

@Suite struct AgentConfigFileTests {
    @Test func readsTheShippedFile() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("agent-config/agent.yaml").path
        let file = try AgentConfigFile(text: try String(contentsOfFile: path, encoding: .utf8), source: path)
        #expect(file.scalar("registry") == "http://127.0.0.1:8080")
        #expect(file.scalar("listen") == "127.0.0.1:8181")
        #expect(file.scalar("enroll_token") == "")
        #expect(file.scalar("checkin_interval_seconds") == "300")
        #expect(file.list("trusted_publisher_keys") == ["/etc/modelfleet/publisher.pub"])
        #expect(file.map("labels") == ["site": "eu", "type": "camera"])
        #expect(file.scalar("disk_budget_bytes") == nil)
        // Issue #15: the transfer bounds and local API limits are documented with their defaults.
        #expect(file.scalar("connect_timeout_seconds") == "10" && file.scalar("first_byte_timeout_seconds") == "15")
        #expect(file.scalar("stall_timeout_seconds") == "30" && file.scalar("retry_budget_seconds") == "60")
        #expect(file.scalar("request_timeout_seconds") == "30" && file.scalar("local_api_workers") == "16")
        #expect(file.scalar("local_api_queued_connections") == "1024" && file.scalar("local_api_large_body_budget_bytes") == "134217728")
    }

    @Test func outsideTheSubsetIsAnErrorNamingTheLine() {
        #expect {
            try AgentConfigFile(text: "registry: x\n  - dangling\n", source: "agent.yaml")
        } throws: { error in
            "\(error)" == "agent.yaml:2: indented line without a key above it"
        }
        #expect {
            try AgentConfigFile(text: "labels:\n  - a\n  b: c\n", source: "agent.yaml")
        } throws: { error in
            "\(error)" == "agent.yaml:3: 'labels' mixes map entries with other entries"
        }
        #expect {
            try AgentConfigFile(text: "registry: a\nregistry: b\n", source: "agent.yaml")
        } throws: { error in
            "\(error)" == "agent.yaml:2: empty or repeated key 'registry'"
        }
    }

    /// Issue #17: what the agent cannot use is an error naming file, line and key, never ignored.
    @Test(arguments: [
        ("registry: x\nchekin_interval_seconds: 30\n", "agent.yaml:2: unknown key 'chekin_interval_seconds' (did you mean 'checkin_interval_seconds'?)"),
        (
            "download_windows: [\"01:00-05:00\"]\n",
            "agent.yaml:1: 'download_windows' is a list: write each item on its own indented '- item' line (flow-style [..] is not read)"
        ),
        ("labels: site=eu\n", "agent.yaml:1: 'labels' is a map: write indented 'name: value' lines under it (flow-style {..} is not read)"),
        ("registry:\n  - a\n", "agent.yaml:1: 'registry' takes a single value"),
        ("checkin_interval_seconds: 5m\n", "agent.yaml:1: 'checkin_interval_seconds' must be a whole number (0 or more), got '5m'"),
        ("min_battery_percent: -1\n", "agent.yaml:1: 'min_battery_percent' must be a whole number (0 or more), got '-1'"),
        ("registry: [a, b]\n", "agent.yaml:1: 'registry' takes a single value; flow-style [..] and {..} are not read")
    ])
    func strictReadingRefuses(_ text: String, _ message: String) {
        #expect {
            try AgentConfigFile(text: text, source: "agent.yaml")
        } throws: { error in
            "\(error)" == message
        }
    }

    @Test func emptyListsAndMapsAreAllowed() throws {
        let file = try AgentConfigFile(text: "download_windows: []\nlabels:\ntrusted_publisher_keys:\n  - a.pub\n", source: "agent.yaml")
        #expect(file.list("download_windows") == [])
        #expect(file.location(of: "trusted_publisher_keys") == "agent.yaml:3")
    }
}
