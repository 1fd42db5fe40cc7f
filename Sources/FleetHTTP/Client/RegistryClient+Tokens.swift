public import FleetCore

/// `/v1/tokens` (admin scope): creating, listing and revoking bearer tokens (each change is audited).
extension RegistryClient {
    /// The new token's text is in the answer only: the registry keeps its hash.
    public func createToken(_ request: TokenRequest) async throws -> RegistryReply<CreatedToken> {
        try await call("POST", "/v1/tokens", body: json(request), expected: 201, answer: CreatedToken.self)
    }

    /// Every token, revoked and expired ones included, oldest first; never a token's text.
    public func tokens() async throws -> RegistryReply<TokenList> {
        try await call("GET", "/v1/tokens", answer: TokenList.self)
    }

    /// Revokes the token `id` (as `tokens()` names it): its next request is refused with 401.
    @discardableResult
    public func revokeToken(id: String) async throws -> RegistryReply<TokenSummary> {
        try await call("DELETE", "/v1/tokens/\(PathEscaping.escape(id))", answer: TokenSummary.self)
    }
}
