/// `HH:MM-HH:MM` in local time; a window may wrap past midnight (`22:00-06:00`).
public struct DailyWindow: Sendable, Equatable, CustomStringConvertible {
    public var startMinute: Int
    public var endMinute: Int

    public init(parsing text: String) throws {
        let parts = text.split(separator: "-")
        func minutes(_ part: Substring) -> Int? {
            let fields = part.split(separator: ":")
            guard fields.count == 2, let hour = Int(fields[0]), let minute = Int(fields[1]), (0..<24).contains(hour), (0..<60).contains(minute) else {
                return nil
            }
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
            let hour = minutes / 60
            let minute = minutes % 60
            return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        }
        return "\(text(startMinute))-\(text(endMinute))"
    }
}
