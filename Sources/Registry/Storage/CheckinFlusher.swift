import Logging
import ServiceLifecycle

/// Writes buffered check-ins every `interval`, and once more on graceful shutdown.
struct CheckinFlusher: Service, CustomStringConvertible {
    var description: String { "CheckinFlusher" }

    let store: CachingMetadataStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while true {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                await flush()
            }
        }
        // The last flush runs in a task of its own: the service's task may already be cancelled, and the
        // database refuses work from a cancelled task.
        await Task { await flush() }.value
    }

    private func flush() async {
        do { try await store.flush() } catch {
            logger.error("could not write buffered check-ins; they will be retried", metadata: ["error": "\(error)"])
        }
    }
}
