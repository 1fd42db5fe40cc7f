/// How transfers behave on a device's link: timeouts, bandwidth cap, TLS, retries.
///
/// Every transfer is bounded, so a registry that accepts connections and never answers cannot hold
/// an agent (or `daemon --once`) forever: the connect timeout, the first-byte timeout and the stall
/// limit end one attempt; the retry budget ends the attempts.
public struct TransferOptions: Sendable {
    /// Whole-transfer limit for small requests (check-ins, manifests, uploads).
    public var timeoutSeconds = 30
    /// TCP (and TLS) connection set-up.
    public var connectTimeoutSeconds = 10
    /// Time from the end of sending the request to the first byte of the answer.
    public var firstByteTimeoutSeconds = 15
    /// A transfer slower than `lowSpeedBytesPerSecond` for `lowSpeedSeconds` is abandoned (and retried):
    /// a stalled link must not hang a download forever.
    public var lowSpeedBytesPerSecond = 1
    public var lowSpeedSeconds = 30
    /// Time after which no new attempt of one request starts (and small requests' last attempt is
    /// cut short): retries cannot multiply the per-attempt limits into minutes.
    public var retryBudgetSeconds = 60
    /// Receive cap in bytes per second (0: none), e.g. to leave a shared uplink usable.
    public var maxReceiveBytesPerSecond = 0
    /// PEM bundle of CAs to trust instead of the system's.
    public var caFile: String?
    /// Client certificate and key (PEM) for mutual TLS.
    public var clientCertificate: String?
    public var clientKey: String?
    public var retry = RetryPolicy()

    public init() {}
}

/// Exponential backoff with full jitter: attempt n waits a random time in [0, min(maxDelay, base·2ⁿ)],
/// or what the server's `Retry-After` asks. Spreads thousands of devices out after an outage.
public struct RetryPolicy: Sendable {
    public var maxAttempts = 6
    public var baseDelay: Duration = .milliseconds(200)
    public var maxDelay: Duration = .seconds(30)

    public init() {}

    public init(maxAttempts: Int, baseDelay: Duration, maxDelay: Duration) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    func delay(afterAttempt attempt: Int, retryAfterSeconds: Int?) -> Duration {
        if let retryAfterSeconds { return min(.seconds(retryAfterSeconds), maxDelay) }
        let ceiling = min(maxDelay, baseDelay * Int(1 << min(attempt, 20)))
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(0, nanoseconds)))
    }

    /// Connection failures, timeouts, 5xx and 429 are worth another try; other statuses are answers.
    static func isRetryable(status: Int) -> Bool { status == 429 || status >= 500 }
}
