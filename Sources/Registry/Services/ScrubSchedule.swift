import Logging

/// Runs a chunk scrub every `interval` (a day by default), at background priority: it reads every
/// stored chunk, and must yield to requests.
enum ScrubSchedule {
    static func service(_ scrubber: ChunkScrubber, interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(description: "ChunkScrubber", interval: interval, runsOnShutdown: false) {
            let outcome = await Task(priority: .background) { await AsyncResult.attempt { try await scrubber.scrub() } }.value
            switch outcome {
            case .success(let report) where report.quarantined.isEmpty && report.missing.isEmpty:
                logger.info("chunk scrub: every chunk is intact", metadata: ["checked": "\(report.checked)"])
            case .success(let report):
                logger.error("chunk scrub found bad or missing chunks", metadata: ["report": "\(report)"])
            case .failure(let error):
                logger.error("chunk scrub stopped early; it runs again next interval", metadata: ["error": "\(error)"])
            }
        }
    }
}
