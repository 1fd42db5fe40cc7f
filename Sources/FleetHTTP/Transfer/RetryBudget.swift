/// How long one request may keep retrying (`TransferOptions.retryBudgetSeconds`), so that a
/// registry that never answers ends a request after a bounded time instead of after every attempt
/// has run into its own limit.
///
/// The clock restarts when an attempt makes progress (a download that received bytes), so a long
/// download on a slow but working link is not cut off; a dead link is.
struct RetryBudget {
    private let clock = ContinuousClock()
    private let budget: Duration
    private var start: ContinuousClock.Instant

    init(seconds: Int) {
        budget = .seconds(max(seconds, 1))
        start = clock.now
    }

    /// Time left before no new attempt may start.
    var remaining: Duration { budget - (clock.now - start) }

    /// Whether an attempt may start after waiting `delay`.
    func allowsAttempt(after delay: Duration) -> Bool { remaining > delay }

    /// An attempt made progress: the budget counts from now.
    mutating func progressed() { start = clock.now }

    /// The whole-transfer limit of a small request's attempt in milliseconds: the configured
    /// limit, or less when the budget ends sooner (at least one second).
    func attemptMilliseconds(limitSeconds: Int) -> Int {
        let left = remaining.components
        let leftMilliseconds = Int(left.seconds) * 1000 + Int(left.attoseconds / 1_000_000_000_000_000)
        return max(1000, min(limitSeconds * 1000, leftMilliseconds))
    }
}
