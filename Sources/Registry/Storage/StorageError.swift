public import FleetCore

/// Why a metadata store, or a service built on one, refused a request or could not answer it.
///
/// Says nothing about HTTP: stores and services describe what went wrong, and the HTTP layer alone
/// (`RegistryError.init(_: StorageError)`) decides the status a client sees. That keeps a second
/// `MetadataStore` (PostgreSQL) a matter of throwing these, not of knowing the API's status codes.
/// Each message names its subject (the device, rollout, version or field), since clients read it as is.
public enum StorageError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The request names something that is not stored: an unknown device, rollout, model or version.
    case notFound(String)
    /// The change contradicts what is stored: a version that exists, a rollout in flight, or a rollout
    /// changed since it was read (a store's optimistic check).
    case conflict(String)
    /// A version's manifest names chunks that are not uploaded: the publisher uploads `digests` and retries.
    case missingChunks(digests: [Digest], String)
    /// The input breaks a rule that holds whatever is stored: a bad name, selector, stage list or gate.
    case invalid(String)
    /// A signed rollback directive that allows some other downgrade than the one asked for.
    case mismatchedDirective(String)
    /// The store cannot serve what it recorded: a row or stored bytes vanished.
    case unavailable(String)
    /// The request asks for more than a configured limit allows (the message names the limit and its setting).
    case overLimit(String)
    /// The disk under the store is full: nothing was stored, and a retry after space is freed can succeed.
    case full(String)
    /// Stored bytes that do not match their digest: quarantined, never served.
    case corrupt(String)
    /// The chunk store (an S3 bucket) cannot be reached or refused the request: nothing was recorded,
    /// and the same request can succeed once it answers again.
    case chunkStoreUnreachable(String)
    /// The metadata database cannot be reached (down, restarting, every connection busy): nothing was done,
    /// and the same request can succeed once it is back.
    case unreachable(String)

    /// What the client reads: the case's message.
    public var message: String {
        switch self {
        case .notFound(let message), .conflict(let message), .missingChunks(_, let message), .invalid(let message),
            .mismatchedDirective(let message), .unavailable(let message), .overLimit(let message), .full(let message), .corrupt(let message),
            .chunkStoreUnreachable(let message), .unreachable(let message):
            message
        }
    }

    public var description: String { message }

    /// True for the refusals a retry from fresh state can get past (a rollout changed meanwhile).
    public var isConflict: Bool {
        if case .conflict = self { return true }
        return false
    }
}
