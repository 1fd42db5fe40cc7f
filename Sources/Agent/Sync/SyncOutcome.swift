public import FleetCore

extension SyncEngine {
    /// What one sync of one model did.
    public struct Outcome: Sendable, Equatable {
        public enum Result: Sendable, Equatable {
            case upToDate
            case activated(selfTest: SelfTestOutcome)
            case rejected(reason: String)
            /// Waiting for a download window or more battery; the live version keeps serving.
            case deferred(reason: String)
            case failed(reason: String)
        }
        public var model: String
        public var version: SemanticVersion
        public var result: Result
        /// Bytes received over the wire for this model's chunks.
        public var bytesDownloaded: Int
        public var chunksDownloaded: Int
    }
}
