#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the battery's charge from a file holding a percentage (Linux sysfs), for the policies that
/// save power: deferred downloads and the engine's efficiency mode.
public struct BatteryGauge: Sendable, Equatable {
    /// Linux: `/sys/class/power_supply/BAT0/capacity`.
    public var path: String

    public init(path: String = "/sys/class/power_supply/BAT0/capacity") {
        self.path = path
    }

    /// The charge in percent, or nil where there is no battery (mains-powered devices).
    public func percent() -> Int? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 16)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Int(text.filter(\.isNumber))
    }
}
