public import FleetCore
import Hummingbird

/// The one place where the registry's failures get HTTP statuses and error codes. Stores, services and
/// FleetCore throw errors of their own; `ErrorMiddleware` turns them into `RegistryError` with these.
extension RegistryError {
    /// What storage and the services refuse.
    public init(_ error: StorageError) {
        switch error {
        case .notFound(let message):
            self = .notFound(message)
        case .conflict(let message):
            self = .conflict(message)
        case .missingChunks(let digests, let message):
            self.init(status: .conflict, code: "missing_chunks", message: message, missing: digests)
        case .invalid(let message):
            self = .badRequest(message)
        case .mismatchedDirective(let message):
            self = .unprocessable("bad_directive", message)
        case .unavailable(let message):
            self.init(status: .internalServerError, code: "storage", message: message)
        case .overLimit(let message):
            self.init(status: .contentTooLarge, code: "over_limit", message: message)
        case .full(let message):
            self.init(status: .init(code: 507, reasonPhrase: "Insufficient Storage"), code: "storage_full", message: message)
        case .corrupt(let message):
            self.init(status: .serviceUnavailable, code: "corrupt_chunk", message: message)
        case .chunkStoreUnreachable(let message):
            self.init(status: .serviceUnavailable, code: "chunk_store_unreachable", message: message)
        case .unreachable(let message):
            self.init(status: .serviceUnavailable, code: "metadata_unreachable", message: message)
        }
    }

    /// FleetCore's verdicts on client input.
    public init(_ error: FleetError) {
        switch error {
        case .badSignature, .untrustedManifest:
            self.init(status: .unprocessableContent, code: "bad_signature", message: error.description)
        case .untrustedTrustDocument:
            self.init(status: .unprocessableContent, code: "untrusted_trust_document", message: error.description)
        case .digestMismatch, .corruptChunk:
            self.init(status: .unprocessableContent, code: "digest_mismatch", message: error.description)
        case .io:
            self.init(status: .internalServerError, code: "storage", message: error.description)
        default:
            self.init(status: .badRequest, code: "bad_request", message: error.description)
        }
    }
}
