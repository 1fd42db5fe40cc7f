/// Durations as operators type them: `90s`, `30m`, `12h`, `180d` (a whole number and one unit), for
/// expiries, grace periods and the like. Bare numbers are refused: "30" could mean any unit.
public enum DurationText {
    /// Seconds in the duration `text` names; a message naming the accepted forms otherwise.
    public static func seconds(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last, let scale = units[unit], let count = Int64(text.dropLast()), count >= 0,
            case (let seconds, let overflow) = count.multipliedReportingOverflow(by: scale), !overflow
        else {
            throw FleetError.invalidDuration(text)
        }
        return seconds
    }
}
