import Logging
import ServiceLifecycle

/// Background work the registry does every `interval` until graceful shutdown: writing buffered
/// check-ins, evaluating rollouts. `work` reports its own failures; the loop just keeps going.
struct PeriodicService: Service, CustomStringConvertible {
    let description: String
    let interval: Duration
    /// Runs `work` once more after shutdown began (the last check-ins must reach the database).
    let runsOnShutdown: Bool
    /// At most this share of the time is spent in `work`: a round that took `d` is followed by a pause of at
    /// least `d * (1 / share - 1)`. Work that grows with the fleet (a rollout's evaluation reads every
    /// device's health) then slows down instead of keeping the database busy back to back. Nil: `interval` only.
    var maximumShare: Double? = nil
    let work: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var pause = interval
            while true {
                try? await Task.sleep(for: pause)
                if Task.isCancelled { break }
                let started = ContinuousClock.now
                await work()
                pause = Self.pause(after: ContinuousClock.now - started, interval: interval, maximumShare: maximumShare)
            }
        }
        // In a task of its own: the service's task may already be cancelled, and the database refuses
        // work from a cancelled task.
        if runsOnShutdown { await Task { await work() }.value }
    }

    /// The pause before the next round: `interval`, or longer when the last round took a larger share.
    static func pause(after took: Duration, interval: Duration, maximumShare: Double?) -> Duration {
        guard let share = maximumShare, share > 0, share < 1 else { return interval }
        return max(interval, took * (1 / share - 1))
    }
}

/// Runs an async throwing call and returns its result as a value, keeping do/catch out of async loops
/// (the Swift 6.3 hazard noted in docs/decisions.md).
enum AsyncResult {
    static func attempt<T: Sendable>(_ body: @Sendable () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}
