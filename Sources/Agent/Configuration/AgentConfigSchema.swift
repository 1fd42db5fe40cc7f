/// Every key `agent.yaml` may hold, and what kind of value it takes.
///
/// The file is read strictly against this table: an unknown key (a typo such as `chekin_interval`),
/// a list written where a scalar goes, or a flow-style list (`download_windows: ["01:00-05:00"]`,
/// which the flat reader would otherwise take as one odd string and the agent as no window at all)
/// is an error naming the file, the line and the key, not a setting silently ignored.
public enum AgentConfigSchema {
    public enum Kind: Sendable, Equatable {
        case text
        /// A whole number, zero or more.
        case count
        /// `true` or `false`.
        case flag
        case list
        case map
    }

    public static let keys: [String: Kind] = [
        "registry": .text, "data_dir": .text, "enroll_token": .text, "enroll_token_file": .text,
        "trusted_publisher_keys": .list, "trust_root": .text, "labels": .map,
        "checkin_interval_seconds": .count, "max_download_bytes_per_second": .count, "disk_budget_bytes": .count,
        "parallel_downloads": .count, "download_windows": .list, "min_battery_percent": .count, "battery_capacity_path": .text,
        "inference_threads": .count, "efficiency_below_battery_percent": .count, "listen": .text,
        "connect_timeout_seconds": .count, "first_byte_timeout_seconds": .count, "stall_timeout_seconds": .count,
        "retry_budget_seconds": .count, "request_timeout_seconds": .count,
        "local_api_workers": .count, "local_api_queued_connections": .count, "local_api_large_body_budget_bytes": .count,
        "ca_file": .text, "client_cert_file": .text, "client_key_file": .text, "insecure_http": .flag
    ]

    /// Why `value` does not fit `key`, or nil.
    static func problem(key: String, value: AgentConfigFile.Value) -> String? {
        guard let kind = keys[key] else {
            let suggestion = closest(to: key).map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown key '\(key)'\(suggestion)"
        }
        switch (kind, value) {
        case (.flag, .scalar(let text)):
            return text == "true" || text == "false" ? nil : "'\(key)' must be true or false, got '\(text)'"
        case (.text, .scalar(let text)), (.count, .scalar(let text)):
            if text.hasPrefix("[") || text.hasPrefix("{") {
                return "'\(key)' takes a single value; flow-style [..] and {..} are not read"
            }
            if kind == .count, !text.isEmpty, UInt64(text) == nil {
                return "'\(key)' must be a whole number (0 or more), got '\(text)'"
            }
            return nil
        case (.list, .list), (.map, .map):
            return nil
        case (.list, .scalar(let text)):
            return text == "[]" || text.isEmpty ? nil : "'\(key)' is a list: write each item on its own indented '- item' line (flow-style [..] is not read)"
        case (.map, .scalar(let text)):
            return text == "{}" || text.isEmpty ? nil : "'\(key)' is a map: write indented 'name: value' lines under it (flow-style {..} is not read)"
        default:
            return "'\(key)' takes \(kind == .list ? "a list of '- item' lines" : kind == .map ? "indented 'name: value' lines" : "a single value")"
        }
    }

    /// The known key nearest to a typo (edit distance 1 or 2), for the error message.
    private static func closest(to key: String) -> String? {
        var best: (name: String, distance: Int)?
        for name in keys.keys.sorted() {
            let d = distance(key, name)
            if d <= 2, d < (best?.distance ?? .max) { best = (name, d) }
        }
        return best?.name
    }

    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
