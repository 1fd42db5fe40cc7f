/// Publisher keys on the wire (`/v1/publishers`): the keys whose signatures the registry accepts.

/// `POST /v1/publishers` body.
public struct PublisherRegistration: Codable, Equatable, Sendable {
    /// The Ed25519 public key as PEM (what `fleetctl keys generate` writes to `publisher.pub`).
    public var publicKeyPEM: String

    public init(publicKeyPEM: String) {
        self.publicKeyPEM = publicKeyPEM
    }
}

/// `POST /v1/publishers` answer: the id manifests name their signer by.
public struct RegisteredKeyID: Codable, Equatable, Sendable {
    public var keyID: String

    public init(keyID: String) {
        self.keyID = keyID
    }
}

/// A publisher key allowed to sign manifests, as the registry keeps it.
public struct RegisteredPublisher: Codable, Equatable, Sendable {
    public var keyID: String
    public var publicKeyPEM: String
    public var registeredAt: Timestamp

    public init(keyID: String, publicKeyPEM: String, registeredAt: Timestamp) {
        self.keyID = keyID
        self.publicKeyPEM = publicKeyPEM
        self.registeredAt = registeredAt
    }
}

/// `GET /v1/publishers` answer.
public struct PublisherList: Codable, Equatable, Sendable {
    public var publishers: [RegisteredPublisher]

    public init(publishers: [RegisteredPublisher]) {
        self.publishers = publishers
    }
}
