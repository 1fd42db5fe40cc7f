import Logging
import ServiceLifecycle

/// Background work the registry does every `interval` until graceful shutdown: writing buffered
/// check-ins, evaluating rollouts. `work` reports its own failures; the loop just keeps going.
struct PeriodicService: Service, CustomStringConvertible {
    let description: String
    let interval: Duration
    /// Runs `work` once more after shutdown began (the last check-ins must reach the database).
    let runsOnShutdown: Bool
    let work: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while true {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                await work()
            }
        }
        // In a task of its own: the service's task may already be cancelled, and the database refuses
        // work from a cancelled task.
        if runsOnShutdown { await Task { await work() }.value }
    }
}

/// Runs an async throwing call and returns its result as a value, keeping do/catch out of async loops
/// (the Swift 6.3 hazard noted in docs/decisions.md).
enum AsyncResult {
    static func attempt<T: Sendable>(_ body: @Sendable () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}
