extension StringProtocol {
    /// The text without leading and trailing whitespace. FoundationEssentials has no
    /// `trimmingCharacters(in:)`, and the client side (FleetHTTP, the agent) stays off full Foundation.
    public var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
