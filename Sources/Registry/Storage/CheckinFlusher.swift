import Logging

/// Writes buffered check-ins every second, and once more on graceful shutdown.
enum CheckinFlusher {
    static func service(_ store: CachingMetadataStore, interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(description: "CheckinFlusher", interval: interval, runsOnShutdown: true) {
            if case .failure(let error) = await AsyncResult.attempt({ try await store.flush() }) {
                logger.error("could not write buffered check-ins; they will be retried", metadata: ["error": "\(error)"])
            }
        }
    }
}
