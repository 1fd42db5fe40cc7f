/// A ratio spelt as a percentage, shared by the registry's gate messages and fleetctl's tables so both
/// say the same thing the same way.
public enum PercentText {
    /// `0.02` → `2%`, `0.025` → `2.5%`. Never traps: a ratio too large for `Int` (a device reporting an
    /// absurd latency) keeps its floating-point spelling, and a non-finite one is spelt `n/a`.
    public static func of(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "n/a" }
        let tenths = (ratio * 1000).rounded()
        if tenths.truncatingRemainder(dividingBy: 10) == 0, let whole = Int(exactly: tenths / 10) { return "\(whole)%" }
        return "\(tenths / 10)%"
    }
}
