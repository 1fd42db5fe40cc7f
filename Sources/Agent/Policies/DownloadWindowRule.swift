#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Downloads only inside the configured local-time windows (cheap or idle hours); no windows, any time.
struct DownloadWindowRule: DeferralRule {
    var windows: [DailyWindow]

    func deferral(at now: time_t) -> Deferral? {
        guard !windows.isEmpty else { return nil }
        var local = tm()
        var time = now
        localtime_r(&time, &local)
        let minute = Int(local.tm_hour) * 60 + Int(local.tm_min)
        if windows.contains(where: { $0.contains(minuteOfDay: minute) }) { return nil }
        return Deferral(reason: "outside the download windows (\(windows.map(\.description).joined(separator: ", ")))")
    }
}
