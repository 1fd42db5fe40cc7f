import NIOCore

/// Where one connection is in its request/response cycle, and the deadline that phase runs under.
///
/// A value type fed the connection's events in order; `DeadlineHandler` owns one and closes the
/// connection when `deadline` passes. While a route is answering there is no deadline: a slow answer
/// is the registry's doing, not the client's.
struct ConnectionPhase {
    enum Phase: Equatable {
        /// Waiting for the first byte of the next request (keep-alive idle).
        case idle
        /// Part of a request head has arrived (or the connection is new).
        case readingHead
        /// The head has arrived; body parts keep the deadline moving.
        case readingBody
        /// The whole request has arrived; a route is answering.
        case answering
    }

    let deadlines: ConnectionDeadlines
    private(set) var phase = Phase.readingHead
    /// When the connection is closed unless the phase moves on; nil while answering.
    private(set) var deadline: NIODeadline?
    /// Requests whose head has arrived and whose response has not ended (more than one when pipelined).
    private var unanswered = 0

    /// A new connection has until the header deadline to send its first request head.
    init(deadlines: ConnectionDeadlines, now: NIODeadline) {
        self.deadlines = deadlines
        deadline = now + deadlines.header
    }

    /// Raw bytes arrived: the first byte of a request ends the keep-alive idle wait.
    mutating func bytesArrived(now: NIODeadline) {
        guard phase == .idle else { return }
        phase = .readingHead
        deadline = now + deadlines.header
    }

    mutating func headArrived(now: NIODeadline) {
        unanswered += 1
        phase = .readingBody
        deadline = now + deadlines.bodyProgress
    }

    mutating func bodyArrived(now: NIODeadline) {
        guard phase == .readingBody else { return }
        deadline = now + deadlines.bodyProgress
    }

    /// The request ended; if its response was already sent (an early refusal), the connection is idle.
    mutating func requestEnded(now: NIODeadline) {
        if unanswered == 0 {
            becomeIdle(now: now)
        } else {
            phase = .answering
            deadline = nil
        }
    }

    mutating func responseEnded(now: NIODeadline) {
        unanswered = max(0, unanswered - 1)
        if unanswered == 0, phase == .answering { becomeIdle(now: now) }
    }

    private mutating func becomeIdle(now: NIODeadline) {
        phase = .idle
        deadline = now + deadlines.keepAliveIdle
    }
}
