import FleetCore
import Hummingbird

/// Publisher keys and assignments: what operators set up. Each change goes to the audit log (tokens: `TokenRoutes`).
struct AdminRoutes {
    let store: any MetadataStore
    let answers: DesiredStateCache
    let trust: PublisherTrust

    func register(on router: RouteTable) {
        router.post("/v1/publishers") { request, context in
            try context.require(.admin)
            if let latest = try await trust.latest() {
                throw RegistryError.conflict(
                    "trust document v\(latest.version) lists the allowed publishers; add a key by publishing a new one (fleetctl trust publish)")
            }
            var request = request
            let body = try await request.decodeJSON(PublisherRegistration.self)
            let key = try PublisherPublicKey(pem: body.publicKeyPEM, path: "publicKeyPEM")
            let record = RegisteredPublisher(keyID: key.keyID, publicKeyPEM: key.pem, registeredAt: .now())
            try await store.addPublisher(
                record, audit: AuditEntry(at: record.registeredAt, actor: context.actorName, action: "publisher.register", subject: key.keyID, detail: ""))
            return try JSONBody.response(RegisteredKeyID(keyID: key.keyID), status: .created)
        }
        router.get("/v1/publishers") { _, context in
            try context.require(.read)
            return try JSONBody.response(PublisherList(publishers: try await store.publishers()))
        }
        router.put("/v1/assignments") { request, context in
            try context.require(.fleet)
            var request = request
            let body = try await request.decodeJSON(AssignmentRequest.self)
            let selector = try Self.selector(body.selector)
            try PublishingService.checkName(body.model, what: "model name")
            if let variant = body.variant { try PublishingService.checkName(variant, what: "variant") }
            let record = AssignmentRecord(model: body.model, selector: selector, version: body.version, variant: body.variant, updatedAt: .now())
            try await store.setAssignment(
                record,
                audit: AuditEntry(
                    at: record.updatedAt, actor: context.actorName, action: "assignment.set", subject: record.model,
                    detail: "'\(record.selector)' -> \(record.version?.description ?? "latest")\(record.variant.map { " (\($0))" } ?? "")"))
            answers.invalidate()
            return try JSONBody.response(Assignment(record))
        }
        router.get("/v1/assignments") { _, context in
            try context.require(.fleet)
            return try JSONBody.response(AssignmentList(assignments: try await store.assignments().map(Assignment.init)))
        }
    }

    /// The body's selector text, parsed. Refused as it was when the body decoded it ("invalid request body:
    /// selector: …"), so the message stays the same now that the wire type carries text. Synchronous
    /// (docs/decisions.md, "Swift 6.3 hazard").
    static func selector(_ text: String) throws -> LabelSelector {
        do { return try LabelSelector(parsing: text) } catch {
            throw RegistryError.badRequest("invalid request body: selector: \(error.message)")
        }
    }
}

extension Assignment {
    init(_ record: AssignmentRecord) {
        self.init(model: record.model, selector: record.selector.description, version: record.version, variant: record.variant, updatedAt: record.updatedAt)
    }
}
