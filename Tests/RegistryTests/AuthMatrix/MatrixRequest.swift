import FleetCore
import Foundation

/// One route as the auth matrix calls it: who may, and a request its rightful caller could make.
struct MatrixRequest {
    let right: Right
    let method: String
    let path: String
    var headers: [(name: String, value: String)] = []
    var body: [UInt8]? = nil
    /// Whether the rightful caller's request leaves the exposed state as it was: GET and HEAD, and the
    /// dedup query (a POST that only asks). Every other request must change `RegistrySnapshot`, which is
    /// what shows the snapshot would notice if a refused request had got through.
    var readsOnly: Bool

    init(right: Right, method: String, path: String, body: [UInt8]? = nil, readsOnly: Bool? = nil) {
        self.right = right
        self.method = method
        self.path = path
        self.body = body
        self.readsOnly = readsOnly ?? ["GET", "HEAD"].contains(method)
    }
}

extension AuthMatrixFixture {
    /// A request for every route the registry serves, keyed as `RouteTable.routes` spells them
    /// (`METHOD /path/{parameter}`). The tests walk the router's own table, not this list, and fail on a
    /// served route missing here (or a listed one no longer served), so a new route cannot escape the
    /// matrix: add its right and a request its rightful caller could make (real ids, a body that changes state).
    func requests() throws -> [String: MatrixRequest] {
        let model = Self.model
        let device = target.id
        func json(_ value: some Encodable) throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }
        func add(_ right: Right, _ method: String, _ pattern: String, _ path: String, body: [UInt8]? = nil, readsOnly: Bool? = nil) -> (
            String, MatrixRequest
        ) {
            ("\(method) \(pattern)", MatrixRequest(right: right, method: method, path: path, body: body, readsOnly: readsOnly))
        }
        let v1 = SemanticVersion(major: 1, minor: 0, patch: 0)
        let v2 = SemanticVersion(major: 2, minor: 0, patch: 0)
        var upload = MatrixRequest(right: .scope(.publish), method: "PUT", path: "/v1/chunks/\(newChunk.digest)", body: newChunk.stored)
        upload.headers = [(ChunkHeaders.codec, newChunk.codec.description), (ChunkHeaders.length, String(newChunk.length))]
        let profile = DeviceProfile(
            arch: "x86_64", ramBytes: 1 << 30, diskBytes: 8 << 30, engineVersion: "0.0.1", labels: ["type": "camera", "moved": "yes"])
        let list: [(String, MatrixRequest)] = [
            // Health probes come from monitoring, which holds no token.
            add(.open, "GET", "/healthz", "/healthz"),
            add(.scope(.read), "GET", "/metrics", "/metrics"),
            add(
                .scope(.publish), "POST", "/v1/chunks/missing", "/v1/chunks/missing", body: try json(MissingChunksRequest(digests: [newChunk.digest])),
                readsOnly: true),
            ("PUT /v1/chunks/{digest}", upload),
            add(.readOrAnyDevice, "GET", "/v1/chunks/{digest}", "/v1/chunks/\(storedChunk)"),
            add(.readOrAnyDevice, "HEAD", "/v1/chunks/{digest}", "/v1/chunks/\(storedChunk)"),
            add(.scope(.admin), "DELETE", "/v1/models/{name}", "/v1/models/\(model)?force=true"),
            add(.scope(.admin), "DELETE", "/v1/models/{name}/versions/{version}", "/v1/models/\(model)/versions/1.0.0?force=true"),
            add(.scope(.publish), "POST", "/v1/models/{name}/versions", "/v1/models/\(model)/versions", body: stagedManifest),
            add(.readOrAnyDevice, "GET", "/v1/models", "/v1/models"),
            add(.readOrAnyDevice, "GET", "/v1/models/{name}/versions", "/v1/models/\(model)/versions"),
            add(.readOrAnyDevice, "GET", "/v1/models/{name}/versions/{version}", "/v1/models/\(model)/versions/1.0.0"),
            // Grace 0: it would delete the staged version's uploaded chunks.
            add(.scope(.admin), "POST", "/v1/gc", "/v1/gc", body: try json(GarbageCollectionRequest(graceSeconds: 0))),
            add(.enrollment, "POST", "/v1/devices/enroll", "/v1/devices/enroll", body: try json(profile)),
            add(
                .pathDevice, "POST", "/v1/devices/{id}/checkin", "/v1/devices/\(device)/checkin",
                body: try json(CheckinRequest(installed: [InstalledModel(model: model, version: v2, variant: "fp32")], state: "idle", profile: profile))),
            add(
                .pathDevice, "POST", "/v1/devices/{id}/events", "/v1/devices/\(device)/events",
                body: try json(EventBatch(events: [DeviceEvent(kind: "install", message: "forged", at: .now())]))),
            add(.scope(.fleet), "GET", "/v1/devices/{id}/events", "/v1/devices/\(device)/events"),
            add(.scope(.admin), "POST", "/v1/publishers", "/v1/publishers", body: try json(PublisherRegistration(publicKeyPEM: unregisteredKey.pem))),
            add(.scope(.read), "GET", "/v1/publishers", "/v1/publishers"),
            add(.scope(.fleet), "PUT", "/v1/assignments", "/v1/assignments", body: try json(AssignmentRequest(model: model, selector: "moved=yes"))),
            add(.scope(.fleet), "GET", "/v1/assignments", "/v1/assignments"),
            add(.scope(.admin), "PUT", "/v1/trust", "/v1/trust", body: trustDocument),
            add(.readOrAnyDevice, "GET", "/v1/trust", "/v1/trust"),
            add(.scope(.admin), "POST", "/v1/tokens", "/v1/tokens", body: try json(TokenRequest(scopes: [.admin], label: "minted"))),
            add(.scope(.admin), "GET", "/v1/tokens", "/v1/tokens"),
            add(.scope(.admin), "DELETE", "/v1/tokens/{id}", "/v1/tokens/\(spareTokenID)"),
            add(
                .scope(.fleet), "POST", "/v1/rollouts", "/v1/rollouts",
                body: try json(
                    RolloutRequest(model: model, version: v2, selector: "", stages: [100], soakSeconds: 0, gates: RolloutGates(), supersede: true))),
            add(.scope(.fleet), "GET", "/v1/rollouts", "/v1/rollouts"),
            add(.scope(.fleet), "GET", "/v1/rollouts/{id}", "/v1/rollouts/\(activeRollout)"),
            add(.scope(.fleet), "POST", "/v1/rollouts/{id}/pause", "/v1/rollouts/\(activeRollout)/pause"),
            add(.scope(.fleet), "POST", "/v1/rollouts/{id}/resume", "/v1/rollouts/\(pausedRollout)/resume"),
            add(.scope(.fleet), "POST", "/v1/rollouts/{id}/abort", "/v1/rollouts/\(activeRollout)/abort"),
            add(
                .scope(.fleet), "POST", "/v1/rollouts/{id}/rollback", "/v1/rollouts/\(activeRollout)/rollback",
                body: try json(RollbackRequest(directive: try RollbackDirective(model: model, from: v2, to: v1, key: publisher.key)))),
            add(.scope(.fleet), "GET", "/v1/devices", "/v1/devices"),
            add(.scope(.fleet), "GET", "/v1/devices/{id}", "/v1/devices/\(device)"),
            add(.scope(.fleet), "DELETE", "/v1/devices/{id}", "/v1/devices/\(device)"),
            add(.scope(.fleet), "PUT", "/v1/devices/{id}/labels", "/v1/devices/\(device)/labels", body: try json(DeviceLabels(labels: ["moved": "yes"]))),
            add(.scope(.fleet), "GET", "/v1/fleet/status", "/v1/fleet/status"),
            add(.scope(.fleet), "GET", "/v1/audit", "/v1/audit")
        ]
        return Dictionary(uniqueKeysWithValues: list)
    }
}
