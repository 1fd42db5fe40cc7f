/// The one error shape of the API (wire API v1): every failure answers `{"error": {"code", "message", "missing"?}}`.
public struct ErrorResponse: Codable, Equatable, Sendable {
    public struct Detail: Codable, Equatable, Sendable {
        /// Stable and machine-readable, e.g. `not_found`, `missing_chunks`, `bad_signature`.
        public var code: String
        /// For people: names the subject and, where there is one, the fix.
        public var message: String
        /// Chunks a commit named that the registry lacks (409 `missing_chunks`); absent otherwise.
        public var missing: [Digest]?

        public init(code: String, message: String, missing: [Digest]? = nil) {
            self.code = code
            self.message = message
            self.missing = missing
        }
    }

    public var error: Detail

    public init(error: Detail) {
        self.error = error
    }
}
