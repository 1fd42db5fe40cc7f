public import FleetCore

/// `/v1/trust`: the root's signed lists of publisher keys.
extension RegistryClient {
    /// Uploads a signed trust document (admin scope); answers what the registry now trusts.
    @discardableResult
    public func publishTrust(_ document: [UInt8]) async throws -> RegistryReply<TrustSummary> {
        try await call("PUT", "/v1/trust", body: document, expected: 201, answer: TrustSummary.self)
    }

    /// The registry's trust documents newer than `version`, oldest first, each as the signed JSON
    /// to verify (`TrustChain.accept`): the registry's word is not taken for any of them.
    public func trustDocuments(after version: Int = 0) async throws -> [[UInt8]] {
        let response = try await send("GET", "/v1/trust?after=\(version)")
        guard case .object(let members)? = try? JSONParser.parse(response.body, limits: .init(maximumBytes: 16 << 20)),
            case .array(let documents)? = members["documents"]
        else {
            throw UnexpectedAnswer(status: response.status, reason: "the trust answer is not {\"documents\": [...]}")
        }
        return documents.map { CanonicalJSON.encode($0) }
    }
}
