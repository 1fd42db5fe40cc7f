import FleetCore
public import Hummingbird

/// Per-request state: Hummingbird's core context plus who is asking.
public struct RegistryContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The client's IP address (what rate limits count by); "unknown" if the channel has none.
    public let remoteAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Who is asking, for the audit log: an admin token's label, or the device.
    var actorName: String {
        switch principal {
        case .admin(_, let label): label
        case .device(let id): "device \(id)"
        case .enrollment: "enrollment token"
        case nil: "anonymous"
        }
    }

    /// Throws 403 unless the caller is an admin token with `scope`.
    func require(_ scope: Scope) throws {
        guard let principal, principal.has(scope) else { throw RegistryError.forbidden("this token lacks the '\(scope.rawValue)' scope") }
    }

    /// Artifacts are readable by admin tokens with `read` and by any enrolled device.
    func requireArtifactReader() throws {
        if case .device = principal { return }
        try require(.read)
    }

    /// Throws 403 unless the caller is the device `id` itself.
    func requireDevice(_ id: String) throws {
        guard case .device(let own) = principal, own == id else {
            throw RegistryError.forbidden("only device \(id) may act as itself")
        }
    }
}
