import FleetCore

/// How the dashboard spells figures, so every page shows a latency, a share or a state the same way.
enum DashboardFormat {
    /// A state as a coloured badge (`.state-ok`, `.state-paused`, …: the stylesheet's classes).
    static func badge(_ state: String) -> HTML {
        "<span class=\"state state-\(state)\">\(state)</span>"
    }

    static func milliseconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        let tenths = (value * 10).rounded()
        return tenths < 100_000 ? "\(tenths / 10) ms" : "\(Int(value)) ms"
    }

    static func percent(_ ratio: Double?) -> String { ratio.map(PercentText.of) ?? "–" }

    static func bytes(_ count: UInt64) -> String { ByteCountText.of(count) }

    /// `key=value, key=value` in key order; "–" for none.
    static func labels(_ labels: [String: String]) -> String {
        labels.isEmpty ? "–" : labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    /// A time as the registry stores it, in a `<time>` element.
    static func time(_ timestamp: Timestamp?) -> HTML {
        guard let timestamp else { return "<span class=\"muted\">never</span>" }
        return "<time datetime=\"\(timestamp)\">\(timestamp)</time>"
    }

    /// Errors over requests, nil when nothing was served.
    static func errorRate(errors: UInt64, inferences: UInt64) -> Double? {
        inferences == 0 ? nil : Double(errors) / Double(inferences)
    }
}
