extension Duration {
    /// The duration as fractional seconds, for reports and timings.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
