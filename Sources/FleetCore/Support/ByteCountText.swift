/// Byte counts as operators read them, in one spelling for fleetctl and the dashboard.
public enum ByteCountText {
    /// `512 B` · `12.3 KiB` · `4.5 MiB` · `1.2 GiB` (one decimal, binary units).
    public static func of(_ bytes: UInt64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
