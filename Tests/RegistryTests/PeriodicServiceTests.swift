import Testing

@testable import Registry

/// Rounds whose work grows with the fleet slow down rather than run back to back.
@Suite struct PeriodicServiceTests {
    @Test func aQuickRoundWaitsTheInterval() {
        #expect(PeriodicService.pause(after: .milliseconds(30), interval: .seconds(1), maximumShare: 0.2) == .seconds(1))
        #expect(PeriodicService.pause(after: .seconds(30), interval: .seconds(1), maximumShare: nil) == .seconds(1))
    }

    @Test func aLongRoundIsFollowedByAPauseThatKeepsItsShare() {
        // 3 s of work at most a fifth of the time: 12 s of pause, so 3 of every 15 s.
        #expect(PeriodicService.pause(after: .seconds(3), interval: .seconds(1), maximumShare: 0.2) == .seconds(12))
        #expect(PeriodicService.pause(after: .seconds(3), interval: .seconds(1), maximumShare: 0.5) == .seconds(3))
    }
}
