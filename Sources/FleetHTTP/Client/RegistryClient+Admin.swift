public import FleetCore

/// `/v1/publishers` and `/v1/assignments`: what operators set up (each change is audited; tokens: `RegistryClient+Tokens`).
extension RegistryClient {
    /// Returns the key id manifests signed by this key name.
    @discardableResult
    public func registerPublisher(_ key: PublisherPublicKey) async throws -> String {
        try await call(
            "POST", "/v1/publishers", body: json(PublisherRegistration(publicKeyPEM: key.pem)), expected: 201,
            answer: RegisteredKeyID.self
        ).value.keyID
    }

    public func publishers() async throws -> RegistryReply<PublisherList> {
        try await call("GET", "/v1/publishers", answer: PublisherList.self)
    }

    /// Says what devices matching the request's selector run; answers the stored assignment.
    @discardableResult
    public func assign(_ request: AssignmentRequest) async throws -> RegistryReply<Assignment> {
        try await call("PUT", "/v1/assignments", body: json(request), answer: Assignment.self)
    }

    public func assignments() async throws -> RegistryReply<AssignmentList> {
        try await call("GET", "/v1/assignments", answer: AssignmentList.self)
    }
}
