public import FleetCore

/// `/v1/rollouts`: staged rollouts and the operator's actions on them (fleet scope; audited).
extension RegistryClient {
    public func createRollout(_ request: RolloutRequest) async throws -> RegistryReply<RolloutStatus> {
        try await call("POST", "/v1/rollouts", body: json(request), expected: 201, answer: RolloutStatus.self)
    }

    /// Every rollout, oldest first.
    public func rollouts() async throws -> RegistryReply<RolloutList> {
        try await call("GET", "/v1/rollouts", answer: RolloutList.self)
    }

    /// A rollout and the health of its reached stage.
    public func rollout(id: String) async throws -> RegistryReply<RolloutStatus> {
        try await call("GET", "/v1/rollouts/\(id)", answer: RolloutStatus.self)
    }

    /// Pauses, resumes, aborts or rolls back a rollout. Only `rollback` takes a `directive` (the registry
    /// answers 400 without one); the others send `{}`.
    public func apply(_ action: RolloutAction, toRollout id: String, directive: RollbackDirective? = nil) async throws -> RegistryReply<RolloutStatus> {
        try await call("POST", "/v1/rollouts/\(id)/\(action.rawValue)", body: json(RollbackRequest(directive: directive)), answer: RolloutStatus.self)
    }
}
