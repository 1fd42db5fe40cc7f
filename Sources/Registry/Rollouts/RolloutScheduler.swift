import FleetCore
import Logging
import ServiceLifecycle

/// Evaluates active rollouts every `interval`, so stages advance (or pause) without anyone asking.
/// Periodic rather than per check-in: a gate looks at the whole cohort, which one check-in barely changes.
struct RolloutScheduler: Service, CustomStringConvertible {
    var description: String { "RolloutScheduler" }

    let rollouts: RolloutService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while true {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                await evaluate()
            }
        }
    }

    private func evaluate() async {
        switch await AsyncResult.attempt({ try await rollouts.evaluate(now: .now()) }) {
        case let .success(changed):
            for rollout in changed {
                logger.info("rollout changed", metadata: ["rollout": "\(rollout.id)", "state": "\(rollout.state.rawValue)", "stage": "\(rollout.stage + 1)",
                                                          "reason": "\(rollout.reason ?? "")"])
            }
        case let .failure(error):
            logger.error("could not evaluate rollouts; will retry", metadata: ["error": "\(error)"])
        }
    }
}

/// Runs an async throwing call and returns its result as a value, keeping do/catch out of async loops
/// (the Swift 6.3 hazard noted in docs/decisions.md).
enum AsyncResult {
    static func attempt<T: Sendable>(_ body: @Sendable () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}
