import FleetCore
import Logging

/// Evaluates active rollouts every second, so stages advance (or pause) without anyone asking.
/// Periodic rather than per check-in: a gate looks at the whole cohort, which one check-in barely changes.
enum RolloutScheduler {
    static func service(_ rollouts: RolloutService, interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(description: "RolloutScheduler", interval: interval, runsOnShutdown: false) {
            switch await AsyncResult.attempt({ try await rollouts.evaluate(now: .now()) }) {
            case .success(let changed):
                for rollout in changed {
                    logger.info(
                        "rollout changed",
                        metadata: [
                            "rollout": "\(rollout.id)", "state": "\(rollout.state.rawValue)",
                            "stage": "\(rollout.stage + 1)", "reason": "\(rollout.reason ?? "")"
                        ])
                }
            case .failure(let error):
                logger.error("could not evaluate rollouts; will retry", metadata: ["error": "\(error)"])
            }
        }
    }
}
