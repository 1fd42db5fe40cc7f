import FleetCore
import Logging

/// Evaluates active rollouts every second, so stages advance (or pause) without anyone asking.
/// Periodic rather than per check-in: a gate looks at the whole cohort, which one check-in barely changes.
/// An evaluation reads every device and its health, so on a large fleet it takes longer; it then runs less
/// often (at most a fifth of the time, `maximumShare`), see docs/scaling.md.
enum RolloutScheduler {
    static let maximumShare = 0.2

    static func service(_ rollouts: RolloutService, interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(description: "RolloutScheduler", interval: interval, runsOnShutdown: false, maximumShare: maximumShare) {
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
