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
}
