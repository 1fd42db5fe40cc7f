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

    /// Percent-encodes everything but RFC 3986's unreserved characters: safe in a path segment and a query value.
    static func urlComponent(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
