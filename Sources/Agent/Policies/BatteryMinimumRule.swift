#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Below a charge, downloads and swaps wait: a device on a draining battery keeps serving instead.
/// Where there is no battery (mains power) the rule never objects.
struct BatteryMinimumRule: DeferralRule {
    var minimumPercent: Int
    var gauge: BatteryGauge

    func deferral(at now: time_t) -> Deferral? {
        guard let charge = gauge.percent(), charge < minimumPercent else { return nil }
        return Deferral(reason: "battery at \(charge)%, below the \(minimumPercent)% minimum")
    }
}
