extension Result where Failure == any Error {
    /// Runs an async throwing call and returns its result as a value. Keeping do/catch out of the
    /// long async sync functions avoids the Swift 6.3 abort noted in docs/decisions.md.
    static func catching(_ body: @Sendable () async throws -> Success) async -> Self where Success: Sendable {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}
