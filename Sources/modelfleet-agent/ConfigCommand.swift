import Agent
import ArgumentParser
import FleetCore

/// `modelfleet-agent config check FILE`: reads a configuration strictly and prints the settings the
/// agent would run with (the file, then `MODELFLEET_*` variables, then defaults), or the first
/// problem with its file, line and key. Nothing is contacted and nothing is written.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check an agent configuration file.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the settings FILE (with MODELFLEET_* variables) gives, or its first error.")

        @Argument(help: "The configuration file (agent.yaml).") var file: String

        func run() throws {
            let settings = try AgentOptions.parse(["--config", file]).settings()
            for (name, value) in Self.describe(settings) { print(name + String(repeating: " ", count: max(1, 35 - name.count)) + value) }
        }

        static func describe(_ settings: AgentSettings) -> [(String, String)] {
            let transfer = settings.transfer
            let limits = settings.localAPILimits
            return [
                ("registry", settings.registry),
                ("data_dir", settings.dataDirectory),
                ("enroll_token", settings.enrollToken.map { $0.isEmpty ? "(empty)" : "(set, \($0.count) characters)" } ?? "(none)"),
                ("trusted_publisher_keys", settings.trustedKeys.map(\.keyID).joined(separator: ", ").ifEmpty("(none)")),
                ("trust_root", settings.trustRoot?.keyID ?? "(none)"),
                ("labels", settings.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",").ifEmpty("(none)")),
                ("checkin_interval_seconds", "\(settings.checkinIntervalSeconds)"),
                ("max_download_bytes_per_second", transfer.maxReceiveBytesPerSecond == 0 ? "0 (no cap)" : "\(transfer.maxReceiveBytesPerSecond)"),
                ("disk_budget_bytes", settings.diskBudgetBytes.map { "\($0)" } ?? "(free space only)"),
                ("parallel_downloads", "\(settings.parallelDownloads)"),
                ("download_windows", settings.policy.downloadWindows.map(\.description).joined(separator: ", ").ifEmpty("(any time)")),
                ("min_battery_percent", settings.policy.minimumBatteryPercent.map { "\($0)" } ?? "(none)"),
                ("battery_capacity_path", settings.policy.batteryCapacityPath),
                ("inference_threads", settings.inferencePower.threads.map { "\($0)" } ?? "(physical cores)"),
                ("efficiency_below_battery_percent", settings.inferencePower.efficiencyBelowBatteryPercent.map { "\($0)" } ?? "(never)"),
                ("listen", settings.listenAddress),
                ("connect_timeout_seconds", "\(transfer.connectTimeoutSeconds)"),
                ("first_byte_timeout_seconds", "\(transfer.firstByteTimeoutSeconds)"),
                ("stall_timeout_seconds", "\(transfer.lowSpeedSeconds)"),
                ("retry_budget_seconds", "\(transfer.retryBudgetSeconds)"),
                ("request_timeout_seconds", "\(transfer.timeoutSeconds)"),
                ("local_api_workers", "\(limits.workers)"),
                ("local_api_queued_connections", "\(limits.queuedConnections)"),
                ("local_api_large_body_budget_bytes", "\(limits.largeBodyBudgetBytes)"),
                ("ca_file", transfer.caFile ?? "(system store)"),
                ("client_cert_file", transfer.clientCertificate ?? "(none)"),
                ("client_key_file", transfer.clientKey ?? "(none)"),
                ("insecure_http", "\(settings.allowInsecureHTTP)")
            ]
        }
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
