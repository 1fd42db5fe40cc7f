import ArgumentParser
import FleetCore
import FleetHTTP
import Foundation

/// `--json` for every query: the registry's JSON as it came (pretty-printed), instead of a table.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the registry's JSON answer instead of a table.") var json = false

    /// Prints the registry's JSON (pretty-printed) when asked, else what `render` makes of the answer.
    func show<T>(_ reply: RegistryReply<T>, _ render: (T) -> String) throws {
        if json {
            let object = try JSONSerialization.jsonObject(with: Data(reply.json))
            let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: pretty, as: UTF8.self))
        } else {
            print(render(reply.value))
        }
    }
}

/// fleetctl's own JSON output (`--json` of commands that compute rather than query): keys sorted, like the registry's.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Operator-friendly spellings of numbers: `30m`, `2%`, and short forms of times and ratios.
enum Spelling {
    /// `90`, `90s`, `30m`, `2h`, `1d` → seconds.
    static func seconds(_ text: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var unit = 1
        if let last = text.last, let factor = units[last] {
            digits = text.dropLast()
            unit = factor
        }
        guard let value = Int(digits), value >= 0 else { throw ValidationError("'\(text)' is not a duration like 90s, 30m, 2h or 1d") }
        return value * unit
    }

    /// `2%` or `0.02` → 0.02.
    static func ratio(_ text: String) throws -> Double {
        if text.hasSuffix("%"), let percent = Double(text.dropLast()), percent >= 0 { return percent / 100 }
        guard let value = Double(text), value >= 0 else { throw ValidationError("'\(text)' is not a percentage like 2% (or a ratio like 0.02)") }
        return value
    }

    static func milliseconds(_ value: Double?) -> String {
        value.map { String(format: "%.2f", $0) } ?? "-"
    }

    /// A time as "5m ago" relative to now; `-` for never.
    static func ago(_ time: Timestamp?, now: Timestamp = .now()) -> String {
        guard let time else { return "-" }
        let seconds = max(0, now.secondsSinceEpoch - time.secondsSinceEpoch)
        switch seconds {
        case ..<60: return "\(seconds)s ago"
        case ..<3600: return "\(seconds / 60)m ago"
        case ..<86400: return "\(seconds / 3600)h ago"
        default: return "\(seconds / 86400)d ago"
        }
    }
}
