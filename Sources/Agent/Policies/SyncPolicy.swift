#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When the agent may spend bandwidth and battery on a new version: inside the download windows, and
/// with enough battery. Outside them it keeps serving what it has and reports why it waits.
public struct SyncPolicy: Sendable, Equatable {
    /// Local times of day when downloads may run; empty means any time.
    public var downloadWindows: [DailyWindow]
    /// Below this charge (percent) downloads and swaps wait; nil means no battery rule.
    public var minimumBatteryPercent: Int?
    /// A file holding the battery's charge in percent (Linux: /sys/class/power_supply/BAT0/capacity).
    public var batteryCapacityPath: String

    public init(downloadWindows: [DailyWindow] = [], minimumBatteryPercent: Int? = nil,
                batteryCapacityPath: String = "/sys/class/power_supply/BAT0/capacity") {
        self.downloadWindows = downloadWindows
        self.minimumBatteryPercent = minimumBatteryPercent
        self.batteryCapacityPath = batteryCapacityPath
    }

    /// Why work must wait now, or nil if it may go ahead.
    public func deferral(at time: time_t = time(nil)) -> String? {
        if !downloadWindows.isEmpty {
            var local = tm()
            var now = time
            localtime_r(&now, &local)
            let minute = Int(local.tm_hour) * 60 + Int(local.tm_min)
            if !downloadWindows.contains(where: { $0.contains(minuteOfDay: minute) }) {
                return "outside the download windows (\(downloadWindows.map(\.description).joined(separator: ", ")))"
            }
        }
        if let minimum = minimumBatteryPercent, let charge = batteryPercent(), charge < minimum {
            return "battery at \(charge)%, below the \(minimum)% minimum"
        }
        return nil
    }

    /// The battery charge, or nil where there is no battery (mains-powered devices).
    func batteryPercent() -> Int? { BatteryGauge(path: batteryCapacityPath).percent() }
}

/// `HH:MM-HH:MM` in local time; a window may wrap past midnight (`22:00-06:00`).
public struct DailyWindow: Sendable, Equatable, CustomStringConvertible {
    public var startMinute: Int
    public var endMinute: Int

    public init(parsing text: String) throws {
        let parts = text.split(separator: "-")
        func minutes(_ part: Substring) -> Int? {
            let fields = part.split(separator: ":")
            guard fields.count == 2, let hour = Int(fields[0]), let minute = Int(fields[1]), (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
            return hour * 60 + minute
        }
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start != end else {
            throw AgentConfigFile.Invalid(description: "download window '\(text)' must be HH:MM-HH:MM, e.g. 01:00-05:30")
        }
        startMinute = start
        endMinute = end
    }

    func contains(minuteOfDay minute: Int) -> Bool {
        startMinute < endMinute ? (startMinute..<endMinute).contains(minute) : (minute >= startMinute || minute < endMinute)
    }

    public var description: String {
        func text(_ minutes: Int) -> String {
            let hour = minutes / 60, minute = minutes % 60
            return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        }
        return "\(text(startMinute))-\(text(endMinute))"
    }
}
