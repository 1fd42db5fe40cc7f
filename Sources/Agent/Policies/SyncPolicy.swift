#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When the agent may spend bandwidth and battery on a new version: the settings of its deferral rules.
/// Outside what they allow it keeps serving what it has and reports why it waits.
public struct SyncPolicy: Sendable, Equatable {
    /// Local times of day when downloads may run; empty means any time.
    public var downloadWindows: [DailyWindow]
    /// Below this charge (percent) downloads and swaps wait; nil means no battery rule.
    public var minimumBatteryPercent: Int?
    /// A file holding the battery's charge in percent (Linux: /sys/class/power_supply/BAT0/capacity).
    public var batteryCapacityPath: String

    public init(
        downloadWindows: [DailyWindow] = [], minimumBatteryPercent: Int? = nil,
        batteryCapacityPath: String = "/sys/class/power_supply/BAT0/capacity"
    ) {
        self.downloadWindows = downloadWindows
        self.minimumBatteryPercent = minimumBatteryPercent
        self.batteryCapacityPath = batteryCapacityPath
    }

    /// The rules these settings switch on, in the order they are asked.
    var rules: [any DeferralRule] {
        var rules: [any DeferralRule] = [DownloadWindowRule(windows: downloadWindows)]
        if let minimumBatteryPercent {
            rules.append(BatteryMinimumRule(minimumPercent: minimumBatteryPercent, gauge: BatteryGauge(path: batteryCapacityPath)))
        }
        return rules
    }

    /// Why work must wait now (the first rule that objects), or nil if it may go ahead.
    public func deferral(at time: time_t = time(nil)) -> Deferral? {
        rules.lazy.compactMap { $0.deferral(at: time) }.first
    }
}
